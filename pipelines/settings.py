"""The one place the environment is read (variables prefixed BOOKINGEST_)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.discover import UsageError

DEFAULT_DATABASE_URL = "sqlite:///bookingest.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKINGEST_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Run `ingest` as a Prefect flow run: "auto" does so when a Prefect API is configured.
    prefect: Literal["auto", "yes", "no"] = "auto"
    # Prefect's own variable (no BOOKINGEST_ prefix): whether a Prefect API is configured.
    prefect_api_url: str | None = Field(default=None, validation_alias="PREFECT_API_URL")

    @classmethod
    def load(cls) -> Settings:
        """The settings, or UsageError (exit status 2) naming the variable that is wrong."""
        try:
            return cls()
        except ValidationError as err:
            wrong = "; ".join(f"BOOKINGEST_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
            raise UsageError(f"bad configuration in the environment: {wrong}") from None
