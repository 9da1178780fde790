"""The one place the environment is read (variables prefixed BOOKINGEST_)."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Literal

from pydantic import Field, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.discover import UsageError
from schemas.tuning import DEFAULT_TUNING, Tuning

DEFAULT_DATABASE_URL = "sqlite:///bookingest.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKINGEST_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Run `ingest` as a Prefect flow run: "auto" does so when a Prefect API is configured.
    prefect: Literal["auto", "yes", "no"] = "auto"
    # Prefect's own variable (no BOOKINGEST_ prefix): whether a Prefect API is configured.
    prefect_api_url: str | None = Field(default=None, validation_alias="PREFECT_API_URL")
    # Where an unexpected error's traceback is logged (pipelines/crash.py): BOOKINGEST_LOG_DIR,
    # else the XDG state folder (no BOOKINGEST_ prefix: the freedesktop.org variable).
    log_dir: str | None = None
    xdg_state_home: str | None = Field(default=None, validation_alias="XDG_STATE_HOME")

    # One variable per field of schemas.tuning.Tuning (BOOKINGEST_CHUNK_BYTES, ...), which
    # documents each; a test keeps the two lists the same.
    chunk_bytes: PositiveInt = DEFAULT_TUNING.chunk_bytes
    chunk_rows: PositiveInt = DEFAULT_TUNING.chunk_rows
    first_chunk_rows: PositiveInt = DEFAULT_TUNING.first_chunk_rows
    first_chunk_bytes: PositiveInt = DEFAULT_TUNING.first_chunk_bytes
    known_in_memory_min_rows: PositiveInt = DEFAULT_TUNING.known_in_memory_min_rows
    deferred_index_min_rows: PositiveInt = DEFAULT_TUNING.deferred_index_min_rows
    few_bookings: PositiveInt = DEFAULT_TUNING.few_bookings
    read_ahead_max_rows: int = Field(default=DEFAULT_TUNING.read_ahead_max_rows, ge=0)  # 0: stream every file
    pg_work_mem_mb: PositiveInt = DEFAULT_TUNING.pg_work_mem_mb
    pg_maintenance_work_mem_mb: PositiveInt = DEFAULT_TUNING.pg_maintenance_work_mem_mb
    sqlite_cache_mb: PositiveInt = DEFAULT_TUNING.sqlite_cache_mb
    # Bounded: Prefect takes at most 50 retry delays (these give at most 45).
    retry_for_seconds: Annotated[float, Field(ge=0, le=3600)] = DEFAULT_TUNING.retry_for_seconds
    retry_first_delay: Annotated[float, Field(ge=0.01, le=60)] = DEFAULT_TUNING.retry_first_delay

    max_file_mb: PositiveInt = DEFAULT_TUNING.max_file_mb
    max_uncompressed_mb: PositiveInt = DEFAULT_TUNING.max_uncompressed_mb
    max_zip_members: PositiveInt = DEFAULT_TUNING.max_zip_members
    max_zip_ratio: PositiveInt = DEFAULT_TUNING.max_zip_ratio
    max_rows: PositiveInt = DEFAULT_TUNING.max_rows
    max_columns: PositiveInt = DEFAULT_TUNING.max_columns
    max_cell_bytes: PositiveInt = DEFAULT_TUNING.max_cell_bytes
    max_seconds_per_file: PositiveInt = DEFAULT_TUNING.max_seconds_per_file
    max_reader_memory_mb: PositiveInt = DEFAULT_TUNING.max_reader_memory_mb

    @classmethod
    def load(cls) -> Settings:
        """The settings, or UsageError (exit status 2) naming the variable that is wrong."""
        try:
            return cls()
        except ValidationError as err:
            wrong = "; ".join(f"BOOKINGEST_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
            raise UsageError(f"bad configuration in the environment: {wrong}") from None

    def tuning(self) -> Tuning:
        """The knobs of a load, as every stage receives them."""
        return Tuning(**{f.name: getattr(self, f.name) for f in fields(Tuning)})
