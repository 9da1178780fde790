"""Property aliases: how a platform's name for a house is matched, and an alias as an operator declares it."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocab import Source


def name_key(text: str) -> str:
    """How names people and platforms write are matched (headers, status labels, a platform's
    name for a house): case and repeated white space do not matter. The text itself is kept as
    written, for display."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class DeclaredAlias:
    """One alias an operator declares (a bookingest.toml `[[aliases]]` entry, or the CLI): the
    `source`'s name `alias` is the house `property`."""

    property: str
    source: str
    alias: str


def declared_aliases(entries: object) -> tuple[DeclaredAlias, ...]:
    """The `[[aliases]]` entries of a bookingest.toml, checked; ValueError naming the entry and
    what is wrong with it."""
    if not isinstance(entries, list):
        raise ValueError("'aliases' must be a list of [[aliases]] tables")
    sources = [s.value for s in Source]
    out: dict[tuple[str, str], DeclaredAlias] = {}
    for n, entry in enumerate(entries, start=1):
        where = f"[[aliases]] entry {n}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} is not a table (write property = ..., source = ..., alias = ...)")
        unknown = sorted(set(entry) - {"property", "source", "alias"})
        if unknown:
            raise ValueError(f"{where} has unknown key(s) {', '.join(unknown)} (it takes property, source, alias)")
        values = {}
        for key in ("property", "source", "alias"):
            if key not in entry:
                raise ValueError(f"{where} has no '{key}' (it takes property, source, alias)")
            value = entry[key]
            if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
                raise ValueError(f"{where}: '{key}' must be a text of 1 to 200 characters, not {value!r}")
            values[key] = value.strip()
        if values["source"] not in sources:
            raise ValueError(f"{where}: unknown source {values['source']!r} (one of {', '.join(sources)})")
        alias = DeclaredAlias(values["property"], values["source"], values["alias"])
        key_ = (alias.source, name_key(alias.alias))
        if key_ in out and out[key_].property != alias.property:
            raise ValueError(f"{where}: {alias.source} {alias.alias!r} is declared for {out[key_].property!r} already")
        out[key_] = alias
    return tuple(out.values())
