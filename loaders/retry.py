"""The one retry policy: a transient database error is retried with doubling pauses for Tuning.retry_for_seconds, then named."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from loaders.errors import GaveUp, first_line, is_transient, is_unreachable
from schemas.tuning import DEFAULT_TUNING, Tuning

T = TypeVar("T")


def retrying(fn: Callable[[], T], tuning: Tuning = DEFAULT_TUNING) -> T:
    """Call `fn`, again after each pause of tuning.retry_delays() while it fails transiently (a
    Prefect run's task retries come from the same delays). A transient error still there after the
    last pause is GaveUp, which says for how long and why; any other error is raised at once."""
    start = time.monotonic()
    for tries, delay in enumerate([*tuning.retry_delays(), None], start=1):
        try:
            return fn()
        except Exception as err:
            if not is_transient(err):
                raise
            if delay is None:
                raise gave_up(err, time.monotonic() - start, tries) from err
            time.sleep(delay)
    raise AssertionError("unreachable")


def gave_up(err: BaseException, seconds: float, tries: int) -> GaveUp:
    """The transient error `err` that lasted `seconds` over `tries` tries, as one sentence's facts."""
    return GaveUp(seconds, tries, first_line(err), is_unreachable(err))
