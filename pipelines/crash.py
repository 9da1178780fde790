"""The last resort: an error nobody foresaw becomes one sentence, exit status 1, and its traceback in a log file."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.shown import shown

EXIT_UNEXPECTED = 1
LOG_NAME = "bookingest.log"
LOG_BYTES = 1 << 20  # the log is rotated at 1 MB, three old ones kept: it never fills a disk
LOG_BACKUPS = 3


def log_folder() -> Path:
    """Where the traceback goes: BOOKINGEST_LOG_DIR, else $XDG_STATE_HOME/bookingest, else
    ~/.local/state/bookingest (the XDG base directory for state)."""
    from pipelines.discover import UsageError
    from pipelines.settings import Settings

    try:
        settings = Settings.load()
    except UsageError:  # a wrong variable elsewhere must not lose the traceback
        settings = Settings.model_construct()
    if settings.log_dir:
        return Path(settings.log_dir)
    return Path(settings.xdg_state_home or Path.home() / ".local" / "state") / "bookingest"


def report(err: BaseException, argv: Sequence[str] | None, args: Any) -> int:
    """Log `err` with its traceback, say in one sentence on stderr what happened and where the
    traceback is, and (with --json) still print valid JSON: what was done before the error."""
    where = _log(err, argv)
    message = f"{type(err).__name__}: {str(err).strip()}".strip().rstrip(":")
    first = message.splitlines()[0] if message else type(err).__name__
    sentence = f"unexpected error: {first}; {where}; please report it"
    if getattr(args, "json", False) is True:
        payload: dict[str, Any] = {"error": sentence}
        done = getattr(args, "done", None)
        if done is not None:  # an ingest: the files reported so far are done, whatever follows
            payload |= {"dry_run": bool(getattr(args, "dry_run", False)), "files": [r.to_json() for r in done]}
        try:
            sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass  # stdout is gone: the sentence below still reaches stderr
    print(shown(f"bookingest: {sentence}"), file=sys.stderr)
    return EXIT_UNEXPECTED


def install_thread_hook(argv: Sequence[str] | None) -> None:
    """A background thread that dies (a workbook read ahead) logs its traceback and says one
    sentence too, instead of Python printing the traceback."""

    def hook(event: threading.ExceptHookArgs) -> None:
        if event.exc_value is None or isinstance(event.exc_value, SystemExit):
            return
        where = _log(event.exc_value, argv)
        what = f"{event.exc_type.__name__}: {str(event.exc_value).strip()}".strip().rstrip(":").splitlines()[0]
        print(shown(f"bookingest: unexpected error in a background thread: {what}; {where}"), file=sys.stderr)

    threading.excepthook = hook


def _log(err: BaseException, argv: Sequence[str] | None) -> str:
    command = " ".join(sys.argv[:1] + list(argv if argv is not None else sys.argv[1:]))
    problem = ""
    for folder in (log_folder(), Path(tempfile.gettempdir()) / f"bookingest-{os.getuid()}"):
        path = folder / LOG_NAME
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # a traceback may quote a guest's name
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", errors="backslashreplace"
            )
        except OSError as failed:
            problem = problem or f"{path}: {failed.strerror or failed}"
            continue
        logger = logging.getLogger("bookingest.crash")
        logger.propagate = False  # to the file only: the person at the terminal gets the sentence
        logger.addHandler(handler)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        try:
            logger.error("unexpected error in: %s", command, exc_info=(type(err), err, err.__traceback__))
        finally:
            logger.removeHandler(handler)
            handler.close()
        return f"the traceback is in {path}"
    return f"no log file could be written ({problem})"
