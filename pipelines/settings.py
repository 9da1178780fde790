"""The one place the environment is read (variables prefixed BOOKINGEST_)."""

from __future__ import annotations

import os
import socket
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Literal

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import Field, PositiveInt, SecretStr, ValidationError
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, SettingsConfigDict

from pipelines.discover import UsageError
from pipelines.environ import ENV_FILE, PREFIX
from pipelines.inbox import DEFAULT_LEASE_SECONDS, DEFAULT_SETTLE_SECONDS
from pipelines.slots import default_slots
from schemas.tuning import DEFAULT_TUNING, Tuning

DEFAULT_DATABASE_URL = "sqlite:///bookingest.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", env_file=ENV_FILE, env_file_encoding="utf-8")

    database_url: str = DEFAULT_DATABASE_URL
    # Run `ingest` as a Prefect flow run: "auto" does so when a Prefect API is configured.
    prefect: Literal["auto", "yes", "no"] = "auto"
    # Prefect's own variable (no BOOKINGEST_ prefix): whether a Prefect API is configured.
    prefect_api_url: str | None = Field(default=None, validation_alias="PREFECT_API_URL")
    # Prefect's own, read by Prefect itself; here so that `bookingest config` shows (masked) whether it is set.
    prefect_api_key: SecretStr | None = Field(default=None, validation_alias="PREFECT_API_KEY")
    # Where an unexpected error's traceback is logged (pipelines/crash.py): BOOKINGEST_LOG_DIR,
    # else the XDG state folder (no BOOKINGEST_ prefix: the freedesktop.org variable).
    log_dir: str | None = None
    xdg_state_home: str | None = Field(default=None, validation_alias="XDG_STATE_HOME")
    # The Prefect global concurrency limit that caps merges at once in the ingest-inbox flow
    # (`prefect gcl create bookingest-merge --limit N`); "" for none.
    merge_limit: str = "bookingest-merge"

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

    # The inbox (`bookingest inbox run`; its flags override these). Archive and rejected folders
    # default to INBOX/archive and INBOX/rejected; the worker's name to host-pid.
    inbox: str | None = None
    archive_dir: str | None = None
    rejected_dir: str | None = None
    settle_seconds: Annotated[float, Field(ge=0)] = DEFAULT_SETTLE_SECONDS
    lease_seconds: Annotated[float, Field(gt=0)] = DEFAULT_LEASE_SECONDS
    # Files processed at once on this machine by all its workers (pipelines.slots); 0: no cap.
    machine_slots: Annotated[int, Field(ge=0)] = Field(default_factory=default_slots)
    worker_name: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}", min_length=1)

    @classmethod
    def load(cls) -> Settings:
        """The settings, or UsageError (exit status 2) naming the variable that is wrong and where it was set."""
        try:
            check_env_file()
            origin = origins()
            return cls()
        except UnicodeDecodeError as err:
            raise UsageError(f"{env_file()} is not UTF-8 text (byte {err.start + 1}); save it as UTF-8") from None
        except OSError as err:
            raise UsageError(f"cannot read {env_file()}: {err.strerror or err}") from None
        except ValidationError as err:
            wrong = []
            for error in err.errors():
                field = field_of(str(error["loc"][0]))
                where = env_file() if origin.get(field) == ".env" else "the environment"
                wrong.append(f"{variable(field)} in {where}: {error['msg']}")
            raise UsageError("bad configuration: " + "; ".join(wrong)) from None

    def tuning(self) -> Tuning:
        """The knobs of a load, as every stage receives them."""
        return Tuning(**{f.name: getattr(self, f.name) for f in fields(Tuning)})


def env_file() -> Path:
    """The `.env` file the settings read (it need not exist)."""
    return Path(ENV_FILE).absolute()


def check_env_file() -> None:
    """A line of `.env` that is not NAME=value is an error, not a value silently ignored."""
    path = env_file()
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as stream:
        wrong = next((b.original.line for b in parse_stream(stream) if b.error or (b.key and b.value is None)), None)
    if wrong is not None:
        raise UsageError(f"{path}, line {wrong}: not NAME=value; correct it or make it a comment (#)")


def variable(field: str) -> str:
    """The variable that sets a field: BOOKINGEST_<FIELD>, or the other program's own name."""
    alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    return alias if isinstance(alias, str) else f"{PREFIX}{field.upper()}"


def field_of(key: str) -> str:
    """The field a validation error's location (a field, or a variable of another program) names."""
    return next((f for f in Settings.model_fields if variable(f) == key), key)


def unknown_variables() -> list[tuple[str, str]]:
    """BOOKINGEST_ variables set (in the environment or .env) that no setting reads, with where:
    a misspelt name would otherwise be ignored without a word."""
    known = {variable(f) for f in Settings.model_fields}
    in_file = dotenv_values(env_file()) if env_file().is_file() else {}
    found = {name: ".env" for name in in_file} | {name: "environment" for name in os.environ}
    return sorted((n, where) for n, where in found.items() if n.upper().startswith(PREFIX) and n.upper() not in known)


def origins() -> dict[str, str]:
    """Where each field's value comes from: "environment" or ".env" (the environment wins, as
    in Settings itself); a field missing here has its default."""
    found = {field_of(k): ".env" for k in DotEnvSettingsSource(Settings)()}
    found.update({field_of(k): "environment" for k in EnvSettingsSource(Settings)()})
    return {f: where for f, where in found.items() if f in Settings.model_fields}
