"""A cap on how many inbox runs process files at once on one machine, however many workers run there.

A 2-core machine that runs four workers does no more work than with two: every file, and above
all the merge that the workers take turns at (loaders.merge_lock), only gets slower as the four
share two cores. So a run processes its files in one of `slots` places (default: the machine's
cores), and a worker finding them all taken waits, without using the CPU, until one is free.
A place is an exclusive `flock` on a file of the machine's temporary folder: the kernel frees it
when the process holding it ends, however it ends, so a killed worker never keeps one.

`bookingest inbox run` takes its place at start-up, before its imports (pipelines.start): a run
that had to wait then reads the note the run before it left in the place (`drained`), and has
nothing to do if that run drained the same inbox after this one started.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.environ import ENV_FILE, PREFIX

SLOTS_VARIABLE = f"{PREFIX}MACHINE_SLOTS"  # the setting machine_slots (pipelines.settings)


def default_slots() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def configured_slots() -> int:
    """The places as the settings will say (the environment, else .env, else the cores), read
    without the settings' imports; a value they refuse counts as unset here (they stop the run)."""
    value = os.environ.get(SLOTS_VARIABLE)
    if value is None and Path(ENV_FILE).is_file():
        from dotenv import dotenv_values  # only when there is a file to read

        try:
            value = dotenv_values(ENV_FILE).get(SLOTS_VARIABLE)
        except (OSError, ValueError):  # unreadable, or not UTF-8: the settings say so, in a sentence
            value = None
    try:
        slots = int(value or "")
    except ValueError:
        return default_slots()
    return slots if slots >= 0 else default_slots()


def folder() -> Path:
    """Where the places are: one folder per user of the machine, in its temporary folder."""
    return Path(tempfile.gettempdir()) / f"bookingest-slots-{os.getuid()}"


class Place:
    """One place, held (an open descriptor with its lock), and the note in its file."""

    def __init__(self, fd: int, waited: bool) -> None:
        self.fd, self.waited = fd, waited

    def note(self) -> dict[str, Any] | None:
        """What the last run to hold the place wrote in it, if anything readable."""
        try:
            note = json.loads(os.pread(self.fd, 1 << 16, 0) or b"null")
        except (OSError, ValueError):
            return None
        return note if isinstance(note, dict) else None

    def write(self, note: dict[str, Any]) -> None:
        data = json.dumps(note).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def close(self) -> None:
        os.close(self.fd)  # the lock ends with the file's last descriptor


_held: Place | None = None  # the place this process took at start-up, held until it ends


def hold(slots: int, where: Path | None = None) -> Place | None:
    """Take a place for the rest of the process (None: no cap); the runs of `machine_slot` in
    this process then use it rather than taking another."""
    global _held
    if slots > 0 and _held is None:
        _held = take(where or folder(), slots)
    return _held


def held() -> Place | None:
    return _held


@contextmanager
def machine_slot(slots: int, where: Path | None = None) -> Iterator[None]:
    """Hold one of `slots` places (0: no cap) for the block, unless the process holds one since
    its start-up. If all are taken, wait (asleep in the kernel) for one of them, chosen by the
    process and thread, to be freed."""
    if slots <= 0 or _held is not None:
        yield
        return
    place = take(where or folder(), slots)
    try:
        yield
    finally:
        place.close()


def take(where: Path, slots: int) -> Place:
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = os.lstat(where)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():  # made by someone else, to steer us
        raise PermissionError(errno.EPERM, "it is not a folder of this user's own")
    if found.st_mode & 0o077:
        os.chmod(where, 0o700)
    free = (_place(where, place, fcntl.LOCK_NB) for place in range(slots))
    fd = next((fd for fd in free if fd is not None), None)
    if fd is not None:
        return Place(fd, waited=False)
    # Every place is taken: wait for one (a blocking flock returns holding the lock).
    fd = _place(where, (os.getpid() + threading.get_ident()) % slots, 0)
    assert fd is not None
    return Place(fd, waited=True)


def _place(where: Path, place: int, how: int) -> int | None:
    """A descriptor holding place number `place` (waiting for it unless `how` is LOCK_NB), or None."""
    fd = os.open(where / f"slot-{place}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | how)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
