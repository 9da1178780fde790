"""Layouts an operator declares in a TOML file: read with tomllib, checked, built as the same `Layout` as the built-in ones.

A declared layout's status labels are not part of the layout: they are entries of the one status
map (schemas/status_map.py), for each source its rows can have. `check_statuses` refuses a label
that the map already gives another status for the same source.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

from schemas.status_map import StatusMapEntry, match_key
from schemas.vocab import Source, Status
from sources.layouts.base import FIELDS, MONEY_FIELDS, Layout, header_key

# Every declared layout maps these (and `source` when it has a source column): a booking needs them.
ESSENTIAL = ("external_code", "raw_status", "check_in", "check_out")
KEYS = frozenset(
    {
        "name", "title", "headers", "required", "also_headers", "code_pattern", "code_hint", "date_format",
        "date_order", "date_hint", "booked_format", "money_locale", "default_currency", "source",
        "source_labels", "statuses", "payout_less", "language",
    }
)  # fmt: skip
DATE_ORDERS = {"day_first": "%d/%m/%Y", "month_first": "%m/%d/%Y", "year_first": "%Y-%m-%d"}
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_HINTS = (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%b", "Mon"), ("%B", "Month"),
          ("%H", "hh"), ("%M", "mm"), ("%S", "ss"))  # fmt: skip


class DeclaredLayoutError(ValueError):
    """A layouts file that cannot be used; the message names the file, the entry and what is wrong."""


_Fail = Callable[[str], DeclaredLayoutError]  # the error for the entry being read, saying what is wrong


@dataclass(frozen=True)
class Declared:
    """One declared layout: the `Layout` the reader uses, where it was declared, and its status labels."""

    layout: Layout
    file: Path
    index: int  # 1-based, as a person counts the [[layouts]] entries
    statuses: Mapping[str, Status] = field(default_factory=dict)  # label -> canonical status

    def __post_init__(self) -> None:
        object.__setattr__(self, "statuses", MappingProxyType(dict(self.statuses)))

    @property
    def where(self) -> str:
        return f"{self.file}: layout {self.index} ({self.layout.name})"

    def sources(self) -> list[Source]:
        """The sources its rows can have: the fixed one, or those its source column's labels name."""
        if self.layout.source is not None:
            return [self.layout.source]
        return list(dict.fromkeys(self.layout.source_labels.values()))

    def status_entries(self) -> list[StatusMapEntry]:
        """Its labels as status map entries, one per label and source."""
        return [StatusMapEntry(s.value, label, st.value) for s in self.sources() for label, st in self.statuses.items()]


def load(path: Path, builtin: Iterable[str]) -> list[Declared]:
    """The layouts declared in `path` (`[[layouts]]` entries), checked; DeclaredLayoutError otherwise.
    `builtin`: the names a declared layout may not take."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise DeclaredLayoutError(f"{path}: cannot be read as TOML ({err})") from None
    extra = sorted(set(doc) - {"layouts"})
    entries = doc.get("layouts")
    if extra or not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        unknown = f"unknown key {extra[0]!r}; " if extra else ""
        raise DeclaredLayoutError(f"{path}: {unknown}declare each layout in a [[layouts]] table")
    builtin = set(builtin)
    out: list[Declared] = []
    for index, entry in enumerate(entries, start=1):
        out.append(_entry(path, index, entry, builtin, {d.layout.name: d.index for d in out}))
    return out


def check_statuses(declared: Iterable[Declared], existing: Iterable[tuple[str, str, str]], what: str) -> None:
    """Refuse a declared label that `existing` (named `what` in the message) or an earlier declared
    layout maps to another status for the same source: there is one status map."""
    known: dict[tuple[str, str], tuple[str, str, str]] = {
        (s, match_key(raw)): (raw, st, what) for s, raw, st in existing
    }
    for d in declared:
        mine: dict[tuple[str, str], tuple[str, str, str]] = {}
        for source, raw, status in d.status_entries():
            key = (source, match_key(raw))
            before = mine.get(key) or known.get(key)
            if before is not None and before[1] != status:
                raise DeclaredLayoutError(
                    f"{d.where}: status label {raw!r} -> {status} conflicts with {before[2]}, which maps "
                    f"{before[0]!r} to {before[1]} for source {source}; use that status or another label"
                )
            mine[key] = (raw, status, "the same layout")
        known.update({k: (raw, st, f"{d.where}") for k, (raw, st, _) in mine.items()})


def _entry(path: Path, index: int, entry: dict[str, object], builtin: set[str], earlier: dict[str, int]) -> Declared:
    raw_name = entry.get("name")
    where = f"{path}: layout {index} ({raw_name if isinstance(raw_name, str) and raw_name else 'no name'})"

    def fail(what: str) -> DeclaredLayoutError:
        return DeclaredLayoutError(f"{where}: {what}")

    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (known keys: {', '.join(sorted(KEYS))})")
    for key in ("name", "title", "headers", "statuses"):
        if key not in entry:
            raise fail(f"the required key {key!r} is missing")
    if ("source" in entry) == ("source_labels" in entry):
        raise fail("give either 'source' (every row's source) or 'source_labels' (the source column's values)")
    name = _text(entry, "name", fail)
    if not _NAME.fullmatch(name):
        raise fail(f"name {name!r} must be lower-case letters, digits and '_' (it is what --source takes)")
    if name in builtin:
        raise fail(f"the name {name!r} is a built-in layout's; choose another name")
    if name in earlier:
        raise fail(f"the name {name!r} is layout {earlier[name]}'s already; choose another name")
    headers = _headers(entry["headers"], fail)
    required = set(ESSENTIAL) | set(_strings(entry.get("required", []), "required", fail))
    for fld in sorted(required):
        if fld not in FIELDS:
            raise fail(f"required names an unknown field {fld!r} (fields: {', '.join(FIELDS)})")
        if fld not in headers:
            raise fail(f"the field {fld!r} is required but 'headers' gives no spelling for it")
    source: Source | None = None
    labels: dict[str, Source] = {}
    if "source" in entry:
        source = _source(_text(entry, "source", fail), fail)
        if "source" in headers:
            raise fail("headers maps a source column, but 'source' fixes every row's source; give 'source_labels'")
    else:
        table = entry["source_labels"]
        if not isinstance(table, dict) or not table:
            raise fail('source_labels must be a table of the source column\'s values: label = "source"')
        labels = {header_key(k): _source(str(v), fail) for k, v in table.items()}
        if "source" not in headers:
            raise fail("source_labels is given but 'headers' gives no spelling for the 'source' column")
        required.add("source")  # without it no row could tell its source
    date_format, date_hint = _dates(entry, fail)
    booked = entry.get("booked_format")
    if booked is not None:
        _check_date_format(_text(entry, "booked_format", fail), "booked_format", fail)
    locale = entry.get("money_locale")
    if locale is not None:
        try:
            Locale.parse(_text(entry, "money_locale", fail))
        except (UnknownLocaleError, ValueError, TypeError):
            raise fail(f"money_locale {locale!r} is not a locale babel knows (write it like fr_FR or en_US)") from None
    currency = entry.get("default_currency")
    if currency is not None and _text(entry, "default_currency", fail) not in list_currencies():
        raise fail(f"default_currency {currency!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    pattern = entry.get("code_pattern")
    if pattern is not None:
        _check_regex(_text(entry, "code_pattern", fail), fail)
    less = entry.get("payout_less")
    if less is not None and (not isinstance(less, str) or less not in set(MONEY_FIELDS) - {"payout", "gross"}):
        raise fail(f"payout_less {less!r} must be a money field deducted from the gross (commission)")
    layout = Layout(
        name=name,
        title=_text(entry, "title", fail),
        headers=headers,
        required=frozenset(required),
        also_headers=tuple(_strings(entry.get("also_headers", []), "also_headers", fail)),
        source=source,
        source_labels=labels,
        date_format=date_format,
        date_hint=date_hint,
        booked_format=str(booked) if booked is not None else None,
        code_pattern=str(pattern) if pattern is not None else None,
        code_hint=str(entry.get("code_hint", f"matching {pattern}" if pattern else "")),
        default_currency=str(currency) if currency is not None else None,
        money_locale=str(locale) if locale is not None else None,
        payout_less=str(less) if less is not None else None,
        language=_text(entry, "language", fail) if "language" in entry else "en",
    )
    declared = Declared(layout, path, index, _statuses(entry["statuses"], fail))
    check_statuses([declared], [], "")  # two spellings of one label with different statuses
    return declared


def _text(entry: dict[str, object], key: str, fail: _Fail) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a non-empty string")
    return value.strip()


def _strings(value: object, key: str, fail: _Fail) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise fail(f"{key} must be a list of non-empty strings")
    return [v.strip() for v in items]


def _headers(value: object, fail: _Fail) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise fail('headers must be a table: field = ["Header", "Other spelling"]')
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for fld, spellings in value.items():
        if fld not in FIELDS:
            raise fail(f"headers names an unknown field {fld!r} (fields: {', '.join(FIELDS)})")
        out[fld] = tuple(_strings(spellings, f"headers.{fld}", fail))
        if not out[fld]:
            raise fail(f"headers.{fld} gives no spelling: list its header, or leave the field out")
        for spelling in out[fld]:
            other = owner.setdefault(header_key(spelling), fld)
            if other != fld:
                raise fail(f"the header {spelling!r} is given for both {other} and {fld}")
    return out


def _source(value: str, fail: _Fail) -> Source:
    if value not in Source.__members__.values():
        raise fail(f"unknown source {value!r} (sources: {', '.join(s.value for s in Source)})")
    return Source(value)


def _statuses(value: object, fail: _Fail) -> dict[str, Status]:
    if not isinstance(value, dict) or not value:
        raise fail('statuses must be a table of the export\'s status labels: "Label" = "confirmed"')
    out = {}
    for label, status in value.items():
        if not label.strip():
            raise fail("statuses has an empty label")
        if status not in Status.__members__.values():
            canonical = ", ".join(s.value for s in Status)
            raise fail(f"status label {label!r} maps to unknown status {status!r} (statuses: {canonical})")
        out[str(label).strip()] = Status(str(status))
    return out


def _dates(entry: dict[str, object], fail: _Fail) -> tuple[str | None, str]:
    """The stay dates' strptime format (from date_format, or date_order alone) and its hint."""
    order = entry.get("date_order")
    if order is not None and (not isinstance(order, str) or order not in DATE_ORDERS):
        raise fail(f"date_order {order!r} must be one of {', '.join(DATE_ORDERS)}")
    fmt = _text(entry, "date_format", fail) if "date_format" in entry else DATE_ORDERS.get(str(order))
    if fmt is None:
        return None, str(entry.get("date_hint", "YYYY-MM-DD"))
    _check_date_format(fmt, "date_format", fail)
    positions = {p: min((fmt.find(d) for d in ds if d in fmt), default=-1) for p, ds in
                 (("d", ("%d",)), ("m", ("%m", "%b", "%B")), ("y", ("%Y", "%y")))}  # fmt: skip
    seen = "".join(sorted(positions, key=positions.__getitem__))
    expected = {"day_first": "dmy", "month_first": "mdy", "year_first": "ymd"}.get(str(order), seen)
    if seen != expected:
        raise fail(f"date_format {fmt!r} does not put the day, month and year in the date_order {order!r}")
    hint = fmt
    for directive, shown in _HINTS:
        hint = hint.replace(directive, shown)
    return fmt, str(entry.get("date_hint", hint))


def _check_date_format(fmt: str, key: str, fail: _Fail) -> None:
    """The format must name a day, a month and a year, and read back what it writes."""
    sample = dt.datetime(2025, 12, 31, 13, 45)
    try:
        text = sample.strftime(fmt)
        ok = dt.datetime.strptime(text, fmt).date() == sample.date()
        ok = ok and pd.to_datetime(pd.Series([text]), format=fmt).iloc[0].date() == sample.date()
    except ValueError:
        ok = False
    if not ok:
        raise fail(f"{key} {fmt!r} is not a date format that names a day, a month and a year (e.g. %d/%m/%Y)")


def _check_regex(pattern: str, fail: _Fail) -> None:
    """A regex both Python and Arrow (RE2, which runs the check on every code) accept."""
    try:
        re.compile(pattern)
        pc.match_substring_regex(pa.array(["x"]), pattern)
    except (re.error, pa.ArrowInvalid) as err:
        raise fail(f"code_pattern {pattern!r} is not a regular expression we can use ({err})") from None
