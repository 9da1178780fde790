"""Property aliases: how a platform's name for a house is matched, and an alias as an operator declares it."""

from __future__ import annotations

from dataclasses import dataclass


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
