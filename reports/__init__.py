"""Analyst reports built on the bookings database."""
