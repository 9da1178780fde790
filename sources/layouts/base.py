"""The declarative description of one platform's export: what its headers mean and how to parse them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Literal

from schemas.aliases import name_key
from schemas.vocab import Source

# The fields a layout can map a header to. Parsing is chosen by field, not by layout.
# `currency`: a column that names the amounts' currency (Booking.com's short export).
# `listing_name`: a platform's name for the house of a row that also names the house itself (the
# workbook's `Listing` beside `Properties`): the row teaches the alias (see loaders.aliases).
TEXT_FIELDS = (
    "external_code", "raw_status", "guest_name", "guest_contact", "property_name", "listing_name", "source", "currency",
)  # fmt: skip
COUNT_FIELDS = ("adults", "children", "infants")
DATE_FIELDS = ("check_in", "check_out")
DATETIME_FIELDS = ("booked_at",)
# Dates an export may state that are checked against other columns, not stored: a booking with
# a cancellation date must have a cancelled status (sources/normalize.py).
CHECK_DATE_FIELDS = ("cancelled_on",)
MONEY_FIELDS = ("payout", "gross", "commission")
FIELDS = TEXT_FIELDS + COUNT_FIELDS + DATE_FIELDS + DATETIME_FIELDS + CHECK_DATE_FIELDS + MONEY_FIELDS


def header_key(text: object) -> str:
    """How headers are compared: case and repeated white space do not matter."""
    return name_key(str(text).replace("\ufeff", "")) if text is not None else ""


@dataclass(frozen=True)
class Layout:
    """One platform's export, declared as data; `sources.mapping.to_canonical` does the work."""

    name: str  # what --source names
    title: str  # what a person calls the file
    headers: Mapping[str, tuple[str, ...]]  # field -> header spellings seen in the wild
    required: frozenset[str]  # fields whose header must be present for the layout to match
    required_one_of: frozenset[str] = frozenset()  # and at least one of these, when given
    # Headers the layout knows but does not load (a count derived from the dates, checklist
    # columns): they are not fields, but they count when detection weighs layouts.
    also_headers: tuple[str, ...] = ()
    source: Source | None = None  # every row's source; None: read it from the `source` field
    source_labels: Mapping[str, Source] = field(default_factory=dict)  # header_key(value) -> Source
    date_format: str | None = None  # strptime format of text dates; ISO 8601 is always accepted
    date_hint: str = "YYYY-MM-DD"  # the format as a person writes it, for messages
    # The booked date's own format where it differs from the stay dates' (French Airbnb
    # writes the stay day first but `Réservée` in ISO); None: `date_format`.
    booked_format: str | None = None
    code_pattern: str | None = None  # a regex every identifier must fully match
    code_hint: str = ""
    keyless_sources: frozenset[Source] = frozenset()  # rows of these sources may lack a code
    # Words written in the code cell where there is no code (header_key(word) -> the source
    # they imply): such a row is keyed like a code-less one.
    placeholder_codes: Mapping[str, Source] = field(default_factory=dict)
    # (regex, source): a row that states no source takes the one whose code shape it fully
    # matches; the first that fits wins.
    code_sources: tuple[tuple[str, Source], ...] = ()
    code_sources_hint: str = ""
    default_currency: str | None = None  # when a money cell carries no symbol or code
    # CLDR locale of the amounts ("fr_FR": "1\u202f023,64\u00a0€"), parsed with babel; None:
    # the English/Arrow parser, which also reads "$1,234.56" and "126.6314 EUR".
    money_locale: str | None = None
    # When the export states no payout: what the host receives is the gross less this money
    # field (a missing amount of it counts as none).
    payout_less: str | None = None
    # What a file of this layout holds, and so the fields its headers may map to: bookings, or
    # money lines (sources.layouts.payout_base.PayoutLayout). Detection weighs both alike.
    kind: ClassVar[Literal["bookings", "payouts"]] = "bookings"
    known_fields: ClassVar[tuple[str, ...]] = FIELDS
    language: str = "en"  # the language of its headers (and labels), as `bookingest layouts` lists it

    def __post_init__(self) -> None:
        unknown = set(self.headers) - set(self.known_fields)
        if unknown:
            raise ValueError(f"layout {self.name} maps headers to unknown fields {sorted(unknown)}")
        if self.payout_less is not None and self.payout_less not in set(MONEY_FIELDS) - {"payout", "gross"}:
            raise ValueError(f"layout {self.name} derives the payout from {self.payout_less!r}, not a deduction")
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        object.__setattr__(self, "source_labels", MappingProxyType(dict(self.source_labels)))
        object.__setattr__(self, "placeholder_codes", MappingProxyType(dict(self.placeholder_codes)))

    def match(self, row: list[str]) -> dict[str, int] | None:
        """field -> column index if this header row (already `header_key`ed) fits the layout."""
        found: dict[str, int] = {}
        position = {cell: i for i, cell in reversed(list(enumerate(row))) if cell}
        for fld, spellings in self.headers.items():
            # The first spelling present wins: Booking.com has "Booked by" left of "Guest name(s)".
            for spelling in spellings:
                if header_key(spelling) in position:
                    found[fld] = position[header_key(spelling)]
                    break
        if not self.required <= found.keys() or (self.required_one_of and not self.required_one_of & found.keys()):
            return None
        return found

    def explains(self, row: list[str], found: dict[str, int]) -> int:
        """How many columns of the header row (already `header_key`ed) this layout accounts
        for: those its fields were `found` in, and those of its `also_headers`."""
        also = {header_key(h) for h in self.also_headers}
        return len(set(found.values()) | {i for i, cell in enumerate(row) if cell and cell in also})
