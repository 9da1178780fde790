"""Why a whole file cannot be read; every message is one sentence a person can act on."""

from __future__ import annotations


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


class UnrecognizedLayout(SourceError):
    """The file reads fine but no platform layout matches its headers."""

    def __init__(self, path: str, headers: list[str]) -> None:
        shown = ", ".join(h for h in headers if h)[:300] or "no headers at all"
        reason = (
            f"no known export layout matches this file (first row: {shown}); "
            "pass --source to force one, or check that it is a reservations export"
        )
        super().__init__(path, reason)
        self.headers = headers

    def forced(self, layout: object) -> SourceError:
        """The same problem when the operator named the layout with --source."""
        title = getattr(layout, "title", str(layout))
        shown = ", ".join(h for h in self.headers if h)[:300] or "no headers at all"
        return SourceError(self.path, f"the file does not have the headers of a {title} (first row: {shown})")

    def __reduce__(self) -> tuple[type, tuple[str, list[str]]]:
        return (type(self), (self.path, self.headers))


class NoRows(SourceError):
    """The header was found but no booking rows follow it."""


class MissingOption(SourceError):
    """The export lacks something only the operator can supply (e.g. the property)."""
