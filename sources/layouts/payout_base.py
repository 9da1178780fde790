"""The declarative description of an earnings export: one line per money movement, no status, no booking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, Literal

from schemas.vocab import PAYOUT_MONEY_FIELDS, PayoutKind
from sources.layouts.base import Layout, header_key

# The fields an earnings layout can map a header to; parsing is chosen by field, as for bookings.
PAYOUT_TEXT_FIELDS = ("raw_type", "external_code", "guest_name", "property_name", "details", "reference", "currency")
PAYOUT_DATE_FIELDS = ("paid_on", "arriving_by", "booked_on", "check_in", "check_out")
PAYOUT_COUNT_FIELDS = ("nights", "earnings_year")
PAYOUT_FIELDS = PAYOUT_TEXT_FIELDS + PAYOUT_DATE_FIELDS + PAYOUT_COUNT_FIELDS + PAYOUT_MONEY_FIELDS


@dataclass(frozen=True)
class PayoutLayout(Layout):
    """An earnings (transaction history) export. It is a Layout, so that one detection weighs
    it against the booking layouts; its rows become `payouts` lines (sources.payouts), never
    bookings. `source` is the platform that paid (every line's), required here."""

    kind: ClassVar[Literal["bookings", "payouts"]] = "payouts"
    known_fields: ClassVar[tuple[str, ...]] = PAYOUT_FIELDS
    # header_key(the platform's type label) -> the canonical kind; a label that is not here
    # but begins with a word of `type_prefixes` ("Resolution Payout") takes that kind; any
    # other is stored as `other` with its label kept.
    type_kinds: Mapping[str, PayoutKind] = field(default_factory=dict)
    type_prefixes: Mapping[str, PayoutKind] = field(default_factory=dict)
    _kinds: Mapping[str, PayoutKind] = field(default_factory=dict, init=False, repr=False, compare=False)
    _prefixes: Mapping[str, PayoutKind] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.source is None:
            raise ValueError(f"earnings layout {self.name} must name the platform that paid (source)")
        object.__setattr__(self, "type_kinds", MappingProxyType(dict(self.type_kinds)))
        object.__setattr__(self, "type_prefixes", MappingProxyType(dict(self.type_prefixes)))
        object.__setattr__(self, "_kinds", {header_key(k): v for k, v in self.type_kinds.items()})
        object.__setattr__(self, "_prefixes", {header_key(k): v for k, v in self.type_prefixes.items()})

    def kind_of(self, label: str) -> PayoutKind:
        """The canonical kind of one type label (already `header_key`ed)."""
        if label in self._kinds:
            return self._kinds[label]
        return next((k for p, k in self._prefixes.items() if label.startswith(p + " ")), PayoutKind.OTHER)
