"""A cap on how many inbox runs process files at once on one machine, however many workers run there.

A 2-core machine that runs four workers does no more work than with two: every file, and above
all the merge that the workers take turns at (loaders.merge_lock), only gets slower as the four
share two cores. So a run processes its files in one of `slots` places (default: the machine's
cores), and a worker finding them all taken waits, without using the CPU, until one is free.
A place is an exclusive `flock` on a file of the machine's temporary folder: the kernel frees it
when the process holding it ends, however it ends, so a killed worker never keeps one.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def default_slots() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def folder() -> Path:
    """Where the places are: one folder per user of the machine, in its temporary folder."""
    return Path(tempfile.gettempdir()) / f"bookingest-slots-{os.getuid()}"


@contextmanager
def machine_slot(slots: int, where: Path | None = None) -> Iterator[None]:
    """Hold one of `slots` places (0: no cap) for the block. If all are taken, wait (asleep in the
    kernel) for one of them, chosen by the process and thread, to be freed."""
    if slots <= 0:
        yield
        return
    where = where or folder()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    free = (_place(where, place, fcntl.LOCK_NB) for place in range(slots))
    fd = next((fd for fd in free if fd is not None), None)
    if fd is None:  # every place is taken: wait for one
        fd = _place(where, (os.getpid() + threading.get_ident()) % slots, 0)
    try:
        yield
    finally:
        if fd is not None:  # always, after the wait: a blocking flock returns holding the lock
            os.close(fd)  # the lock ends with the file's last descriptor


def _place(where: Path, place: int, how: int) -> int | None:
    """A descriptor holding place number `place` (waiting for it unless `how` is LOCK_NB), or None."""
    fd = os.open(where / f"slot-{place}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | how)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
