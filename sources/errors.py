"""Why a whole file cannot be read; every message is one sentence a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


class SourceError(Exception):
    """A file that cannot be turned into bookings at all. Terminal: retrying will not help."""

    transient = False

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class UnreadableFile(SourceError):
    """The bytes are not a spreadsheet or text export we can decode (empty, corrupt, binary)."""


@dataclass(frozen=True)
class Nearest:
    """The layout that comes closest to a file's headers, as a message quotes it."""

    title: str  # "Airbnb reservations export"
    matched: int  # how many of its fields have a header in the file
    fields: int  # how many fields it knows
    missing: tuple[str, ...]  # a header of each required field the file lacks

    def __str__(self) -> str:
        lacks = f" but lacks the required {_and(self.missing)}" if self.missing else ""
        return f"the closest layout, the {self.title}, matches {self.matched} of its {self.fields} headers{lacks}"


class UnrecognizedLayout(SourceError):
    """The file reads fine but no platform layout matches its headers; `nearest` is the one that
    comes closest, if any of its headers is there."""

    def __init__(self, path: str, headers: list[str], nearest: Nearest | None = None) -> None:
        shown = ", ".join(h for h in headers if h)[:300] or "no headers at all"
        closest = f"; {nearest}" if nearest is not None else ""
        reason = (
            f"no known export layout matches this file (first row: {shown}){closest}; "
            "pass --source to force one, or check that it is a reservations export"
        )
        super().__init__(path, reason)
        self.headers = headers
        self.nearest = nearest

    def forced(self, layout: object, nearest: Nearest | None = None) -> SourceError:
        """The same problem when the operator named the layout with --source (`nearest`: how
        close the file comes to it)."""
        title = getattr(layout, "title", str(layout))
        shown = ", ".join(h for h in self.headers if h)[:300] or "no headers at all"
        lacks = f": it lacks {_and(nearest.missing)}" if nearest is not None and nearest.missing else ""
        return SourceError(self.path, f"the file does not have the headers of a {title} (first row: {shown}){lacks}")

    def __reduce__(self) -> tuple[type, tuple[str, list[str], Nearest | None]]:
        return (type(self), (self.path, self.headers, self.nearest))


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class NoRows(SourceError):
    """The header was found but no booking rows follow it."""


class MissingOption(SourceError):
    """The export lacks something only the operator can supply (e.g. the property)."""
