"""The aliases a load or a person adds, by one rule: those a file's rows teach (a house named beside
its listing, as the workbook's `Properties` and `Listing`) and those an operator declares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from loaders.dialects import dialect_of
from loaders.properties import distinct_rows
from loaders.property_merge import PropertyMerge, merge_properties
from loaders.tables import bookings, properties, property_aliases
from schemas.aliases import DeclaredAlias, name_key
from schemas.tuning import DEFAULT_TUNING, Tuning

Wanted = tuple[str, str, int]  # (source, alias as written, property id)


@dataclass
class AliasOutcome:
    """What `add_aliases` did: the aliases added, those kept because they name another house
    already (never moved silently), the properties merged because they were the alias's house."""

    added: list[tuple[str, str, str]] = field(default_factory=list)  # (source, alias, house)
    kept: list[tuple[str, str, str, str]] = field(default_factory=list)  # (source, alias, its house, the one asked)
    merged: list[PropertyMerge] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why an alias was not learned, in a sentence
    created: list[str] = field(default_factory=list)  # houses created for declared aliases
    declared: bool = False  # an operator's aliases, not taught by a file's rows

    def notes(self) -> list[str]:
        """The file summary's lines about it."""
        out = []
        if self.added:
            source, alias, house = self.added[0]
            out.append(
                f"{'added' if self.declared else 'learned'} {len(self.added)} "
                f"{'declared ' if self.declared else ''}alias(es) of houses (e.g. {source} '{alias}' is '{house}'); "
                "`bookingest properties` lists them"
            )
        out += [f"'{m.other}' merged into '{m.keep}' as one house ({m.moved} booking(s) moved)" for m in self.merged]
        out += [
            f"{source} '{alias}' stays an alias of '{house}' (this file names it for '{asked}'); if the two are one "
            f"house: bookingest properties merge '{house}' '{asked}'"
            for source, alias, house, asked in self.kept
        ]
        return out + self.refused


def add_aliases(
    conn: Connection,
    wanted: Sequence[Wanted],
    now: dt.datetime,
    tuning: Tuning = DEFAULT_TUNING,
    houses: frozenset[int] = frozenset(),
) -> AliasOutcome:
    """Make each (source, alias) of `wanted` name its property: an alias it already is of
    another property is kept and reported; a property of its own whose name is the alias (as
    matched: schemas.aliases.name_key) is that house, and is merged into it (`merge_properties`,
    the merge command's path) unless it is one of `houses` (the houses the file names itself:
    then the alias is not learned). In a few statements, whatever the number of aliases."""
    outcome = AliasOutcome()
    if not wanted:
        return outcome
    a, p = property_aliases.c, properties.c
    by_key = {(s, name_key(alias)): (s, alias, pid) for s, alias, pid in wanted}
    names = dict(conn.execute(select(p.id, p.name)).all())
    named: dict[str, list[int]] = {}
    for pid, name in names.items():
        named.setdefault(name_key(name), []).append(pid)
    existing = conn.execute(
        select(a.source, a.alias_key, a.property_id).where(a.alias_key.in_(sorted({k for _, k in by_key})))
    )
    known = {(r.source, r.alias_key): r.property_id for r in existing}
    foreign = _not_a_listing(conn, sorted({o for _, key in by_key for o in named.get(key, [])}))
    rows, merges = [], []
    for (source, key), (_, alias, pid) in by_key.items():
        if (source, key) in known:
            if known[source, key] != pid:
                outcome.kept.append((source, alias, names[known[source, key]], names[pid]))
            continue
        others = [other for other in named.get(key, []) if other != pid]
        if set(others) & houses:
            outcome.refused.append(f"'{alias}' names a house of this file and the {source} alias of '{names[pid]}'"
                                   ": not learned")  # fmt: skip
            continue
        own = {f"{source} bookings"}  # what a listing's own property holds
        if unlike := [o for o in others if foreign.get(o, set()) - own]:
            house = names[unlike[0]]
            outcome.refused.append(
                f"{source} '{alias}' is the name of the house '{house}', which has "
                f"{' and '.join(sorted(foreign[unlike[0]] - own))} of its own: not learned; if the two are one "
                f"house: bookingest properties merge '{names[pid]}' '{house}'"
            )
            continue
        rows.append({"source": source, "alias": alias, "alias_key": key, "property_id": pid})
        outcome.added.append((source, alias, names[pid]))
        merges += [(pid, other) for other in others]
    if rows:
        insert = dialect_of(conn).insert(property_aliases)
        conn.execute(insert.on_conflict_do_nothing(index_elements=["source", "alias_key"]), rows)
    gone: set[int] = set()
    for keep, other in merges:
        if keep not in gone and other not in gone:
            outcome.merged.append(merge_properties(conn, keep, other, now, tuning))
            gone.add(other)
    return outcome


def _not_a_listing(conn: Connection, ids: Sequence[int]) -> dict[int, set[str]]:
    """What makes each of these properties more than a listing's own property (which an alias of
    its name merges into the house): the sources of its bookings and, as 'aliases', aliases of its
    own. A property whose bookings all come from the alias's source, with no alias, is merged;
    any other is a house, which only `bookingest properties merge` joins with another."""
    if not ids:
        return {}
    b, a = bookings.c, property_aliases.c
    out: dict[int, set[str]] = {}
    for r in conn.execute(select(b.property_id, b.source).where(b.property_id.in_(ids)).distinct()):
        out.setdefault(r.property_id, set()).add(f"{r.source} bookings")
    for pid in conn.execute(select(a.property_id).where(a.property_id.in_(ids)).distinct()).scalars():
        out.setdefault(pid, set()).add("aliases")
    return out


def declare(conn: Connection, declared: Sequence[DeclaredAlias], now: dt.datetime, tuning: Tuning) -> AliasOutcome:
    """Add the aliases an operator declares (their houses are created when new)."""
    if not declared:
        return AliasOutcome()
    p = properties.c
    houses = sorted({d.property for d in declared})
    before = set(conn.execute(select(p.name).where(p.name.in_(houses))).scalars())
    insert = dialect_of(conn).insert(properties).on_conflict_do_nothing(index_elements=["name"])
    if new := [{"name": name} for name in houses if name not in before]:
        conn.execute(insert, new)
    ids = dict(conn.execute(select(p.name, p.id).where(p.name.in_(houses))).all())
    outcome = add_aliases(conn, [(d.source, d.alias, ids[d.property]) for d in declared], now, tuning)
    outcome.created = [name for name in houses if name not in before]
    outcome.declared = True
    return outcome


class Listings:
    """The aliases a file's rows teach, gathered a chunk at a time from the rows that name a
    listing (`listing_name`) beside their house (`property_name`, resolved to `property_id`)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], dict[int, str]] = {}  # (source, alias key) -> house -> alias
        self.houses: set[int] = set()  # the properties the file's rows name

    def add(self, frame: pd.DataFrame, property_ids: np.ndarray) -> None:
        """One chunk's rows, with the id of the property each names (loaders.properties)."""
        listing = frame.get("listing_name")
        if listing is None or not listing.notna().any():
            return
        self.houses.update(np.unique(property_ids).tolist())
        apart = (listing.notna() & (listing.fillna("") != frame["property_name"])).to_numpy(bool)
        part = frame[apart]
        ids = pd.Series(property_ids[apart], index=part.index)
        for source, alias, pid in distinct_rows(part["source"], part["listing_name"], ids)[1]:
            self._seen.setdefault((source, name_key(alias)), {}).setdefault(int(pid), alias)

    def teach(self, conn: Connection, now: dt.datetime, tuning: Tuning) -> AliasOutcome:
        """Add the aliases taught: a listing named for two houses teaches neither (reported)."""
        wanted: list[Wanted] = []
        ambiguous: list[str] = []
        for (source, _), found in self._seen.items():
            if len(found) == 1:
                [(pid, alias)] = found.items()
                wanted.append((source, alias, pid))
            else:
                ambiguous.append(
                    f"{source} '{next(iter(found.values()))}' is named for {len(found)} houses: not learned"
                )
        outcome = add_aliases(conn, wanted, now, tuning, frozenset(self.houses))
        outcome.refused += ambiguous
        return outcome
