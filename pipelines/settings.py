"""The one place the environment is read (variables prefixed BOOKINGEST_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///bookingest.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKINGEST_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Run `ingest` as a Prefect flow run: "auto" does so when a Prefect API is configured.
    prefect: str = "auto"
    prefect_api_url: str | None = None  # read from PREFECT_API_URL below, never set by us

    @classmethod
    def load(cls) -> Settings:
        import os

        settings = cls()
        settings.prefect_api_url = os.environ.get("PREFECT_API_URL") or None
        return settings
