"""The houses: every property with its aliases (each platform's name for it) and its bookings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, func, select

from loaders.tables import bookings, properties, property_aliases


@dataclass(frozen=True)
class House:
    name: str
    bookings: int
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (source, alias as written)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "bookings": self.bookings,
            "aliases": [{"source": s, "alias": a} for s, a in self.aliases],
        }


def houses(bind: Engine | Connection) -> list[House]:
    """Every property by name, with its aliases (by source) and how many bookings it holds."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return houses(conn)
    p, b, a = properties.c, bookings.c, property_aliases.c
    counted = (
        select(p.id, p.name, func.count(b.id).label("n"))
        .select_from(properties.outerjoin(bookings, b.property_id == p.id))
        .group_by(p.id, p.name)
        .order_by(p.name)
    )
    aliases: dict[int, list[tuple[str, str]]] = {}
    for r in bind.execute(select(a.property_id, a.source, a.alias).order_by(a.source, a.alias_key)):
        aliases.setdefault(r.property_id, []).append((r.source, r.alias))
    return [House(r.name, r.n, aliases.get(r.id, [])) for r in bind.execute(counted)]
