"""The `bookingest` command as installed. An inbox run first takes its place on the machine
(pipelines.slots), before the imports and the connection that cost a worker over a second of CPU.
A run that had to wait, and finds that the run before it in that place drained the same inbox
(the same command, in the same folder, with the same settings) after this one started, has
nothing left to do: every file it would have listed was listed, and taken, by that run. It says
so and ends, having cost the machine next to nothing, as do the workers beyond the cores that a
schedule starts at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from pipelines import slots
from pipelines.environ import PREFIX
from pipelines.shown import shown

_SUMMARY = ("database", "inbox", "archive", "rejected")  # what a drained note repeats of the run's summary
_command: str | None = None  # this process's inbox run, as its note names it


def main(argv: Sequence[str] | None = None) -> int:
    started = time.time()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["inbox", "run"] and not {"-h", "--help"} & set(args):
        try:
            note = _start_up(args, started)
        except OSError as err:  # the places' folder cannot be made or opened
            where = shown(slots.folder())
            print(
                f"bookingest: cannot take a place on this machine in {where} ({err.strerror or err}); "
                f"make it writable, or set {slots.SLOTS_VARIABLE}=0 to run without the cap",
                file=sys.stderr,
            )
            return 2
        if note is not None:
            return _nothing_left(note, "--json" in args)
    from pipelines.cli import main as cli_main  # the heavy imports

    return cli_main(argv)


def command(args: Sequence[str]) -> str:
    """What decides which files an inbox run takes: its arguments (its worker's name and its
    output's form aside), the folder it runs in (relative paths, `.env`) and our variables (in
    any case, as the settings read them); hashed, so that no password is written in a note."""
    kept: list[str] = []
    names = iter(args)
    for arg in names:
        if arg == "--worker":
            next(names, None)
        elif arg != "--json" and not arg.startswith("--worker="):
            kept.append(arg)
    env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(PREFIX)}
    env.pop(f"{PREFIX}WORKER_NAME", None)
    text = json.dumps({"cwd": os.getcwd(), "argv": kept, "env": env}, sort_keys=True)
    return hashlib.sha256(text.encode(errors="surrogateescape")).hexdigest()


def drained(listed_at: float, summary: dict[str, Any]) -> None:
    """Leave in this process's place the note that its run took every file of the inbox as
    listed at `listed_at` (a wall-clock time taken before the listing), and left none for the
    next run (see inbox_run.Inbox.left_for_the_next_run)."""
    place = slots.held()
    if place is not None and _command is not None:
        place.write({"command": _command, "listed_at": listed_at} | {k: summary.get(k) for k in (*_SUMMARY, "worker")})


def _start_up(args: list[str], started: float) -> dict[str, Any] | None:
    """Take this process's place; the note of the run that drained the inbox after we started, if any."""
    global _command
    place = slots.hold(slots.configured_slots())
    if place is None:
        return None
    _command = command(args)
    note = place.note() if place.waited else None
    if not note or note.get("command") != _command:
        return None
    listed_at = note.get("listed_at")
    # After this run started, and not in the future (a clock set back since would skip runs).
    return note if isinstance(listed_at, int | float) and started <= listed_at <= time.time() else None


def _nothing_left(note: dict[str, Any], as_json: bool) -> int:
    listed = dt.datetime.fromtimestamp(note["listed_at"]).astimezone()
    if as_json:
        by = {"worker": note.get("worker"), "listed_at": listed.isoformat(timespec="seconds")}
        out = {k: note.get(k) for k in _SUMMARY} | {"files": [], "drained_by": by}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(
            shown(
                f"{note.get('inbox')}: nothing to do; worker {note.get('worker')} took every file, "
                f"from its listing at {listed:%H:%M:%S}, after this run started\n"
            )
        )
    return 0
