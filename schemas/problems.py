"""A quarantined row as every stage reports it: where it is in the file, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejected:
    """One problem of one row, as `rejected_rows` keeps it: the row a person sees in Excel or the
    CSV, the column's header as written, the raw value and a message a person understands."""

    row_number: int
    column: str | None
    value: str | None
    error: str
    # When the row's status label is one the status map does not know: the row's source and the
    # label, kept apart from the message so that `bookingest status-map unknown` finds them.
    source: str | None = None
    unknown_status: str | None = None
