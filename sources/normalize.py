"""The normalize stage of a chunk: mapped, statuses through the status map, validated; valid rows and Rejected ones."""

from __future__ import annotations

import pandas as pd

from schemas import booking
from schemas.booking import RowProblem
from schemas.problems import Rejected
from schemas.status_map import StatusMap
from schemas.vocab import Status
from sources.mapping import RawText, to_canonical
from sources.readers import RawTable


def checked(table: RawTable, property_name: str | None, status_map: StatusMap) -> tuple[pd.DataFrame, list[Rejected]]:
    """The rows of `table` that pass parsing, the status map and the schema, and one Rejected per
    problem of the others. Every row goes through the status map and the schema, also those
    with a cell that did not parse, so that a person sees all of a row's problems at once;
    each (row, column) once."""
    mapped = to_canonical(table, property_name)
    frame = mapped.cells
    problems = list(mapped.problems)
    frame["status"] = status_map.map_series(frame["source"], frame["raw_status"])
    unknown = frame["status"].isna() & frame["source"].notna() & frame["raw_status"].notna()
    labels: dict[int, tuple[str, str]] = {}  # row index -> (source, label): stored apart from the message
    for i, rec in frame[unknown].iterrows():
        labels[int(str(i))] = (str(rec["source"]), str(rec["raw_status"]))
        problems.append(
            RowProblem(
                int(str(i)),
                "raw_status",
                rec["raw_status"],
                f"unknown status '{rec['raw_status']}' for source {rec['source']}; add it to the status map "
                f'(bookingest status-map add {rec["source"]} "{rec["raw_status"]}" STATUS), then run '
                "bookingest replay",
            )
        )
    conflicts = _cancelled_but_not(frame, mapped.raw, mapped.headers)
    problems.extend(conflicts)
    checked, failed = booking.validate(frame)
    # A row without a status (empty, unknown, or of an unknown source) is reported already, and
    # so is a row without a source (mapping says why, under its code where there is no source column).
    reported = {(p.index, p.column) for p in problems} | {
        (int(str(i)), column) for column in ("status", "source") for i in frame.index[frame[column].isna()]
    }
    problems.extend(p for p in failed if (p.index, p.column) not in reported)
    # The rows that survive: they passed parsing, the status map and the schema.
    valid = checked.loc[checked.index.isin(mapped.frame.index) & ~checked.index.isin([p.index for p in conflicts])]
    return valid, _rejected_rows(problems, table.row_numbers, mapped.raw, mapped.headers, labels)


def _cancelled_but_not(frame: pd.DataFrame, raw: RawText, headers: dict[str, str]) -> list[RowProblem]:
    """The rule between two columns, once for every layout that states a cancellation date: a
    row with one whose status (after the status map) is not cancelled contradicts itself
    (Booking.com's `ok` with a `Cancellation date`). Which column is right is the operator's
    call, not ours: the row is quarantined naming both values."""
    if "cancelled_on" not in frame:
        return []
    stated = frame["cancelled_on"].notna() & frame["status"].notna()
    conflict = stated & (frame["status"] != Status.CANCELLED.value)
    date_header, status_header = headers.get("cancelled_on", "cancellation date"), headers.get("raw_status", "status")
    return [
        RowProblem(
            int(str(i)),
            "cancelled_on",
            raw.value("cancelled_on", int(str(i))),
            f"the {date_header} '{raw.value('cancelled_on', int(str(i)))}' says the booking was cancelled, but its "
            f"{status_header} '{rec['raw_status']}' means {rec['status']}: the two columns disagree; correct one "
            "of them in the export (or the status map) and import it again",
        )
        for i, rec in frame[conflict].iterrows()
    ]


def _rejected_rows(
    problems: list[RowProblem],
    row_numbers: pd.Series,
    raw: RawText,
    headers: dict[str, str],
    labels: dict[int, tuple[str, str]],
) -> list[Rejected]:
    """Problems as rejected_rows records: the row a person sees, the header as written, the raw
    text, and for an unknown status label its source and label (`labels`, by row index)."""
    out = []
    for p in sorted(problems, key=lambda p: (p.index, p.column or "")):
        column = p.column
        value = raw.value(column, p.index) if column and column in raw else p.value
        source, label = labels[p.index] if column == "raw_status" and p.index in labels else (None, None)
        out.append(
            Rejected(
                row_number=int(row_numbers.iloc[p.index]),
                column=headers.get(column, column) if column else None,
                value=_stored_text(value),
                error=p.message,
                source=source,
                unknown_status=label,
            )
        )
    return out


def _stored_text(value: object) -> str | None:
    """A cell as rejected_rows keeps it: text, with NUL (which no text column takes) as U+FFFD."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return None
    return str(value).replace("\x00", "\ufffd")


def _missing(value: object) -> bool:
    return value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
