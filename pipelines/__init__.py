"""Orchestration: plain ingest functions, the Prefect flows around them, and the CLI."""
