"""The options a file was loaded with, as source_files.options keeps them (JSON), and read back for its replay."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.discover import FileOptions, UsageError, declared_in
from sources.layouts import LAYOUTS


@dataclass(frozen=True)
class Recorded:
    """What a replay needs to read a file again as its load did: where it was (absolute, so that a
    replay from another working folder finds it), the operator's --source and --property, and
    the folder whose declared layouts applied (they are read again from there)."""

    path: str | None = None
    folder: str | None = None
    source: str | None = None
    property: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)

    @classmethod
    def of(cls, path: Path, options: FileOptions) -> Recorded:
        where = path.absolute()
        return cls(str(where), str(where.parent), options.source, options.property)

    @classmethod
    def from_json(cls, text: str | None) -> Recorded:
        """The stored options; a file loaded before they were stored has none (its path is then
        the one source_files keeps, and no --property or declared layouts are known)."""
        if not text:
            return cls()
        stored = json.loads(text)
        return cls(**{k: stored.get(k) for k in ("path", "folder", "source", "property")})

    def options(self, layout: str | None) -> FileOptions:
        """The options to read the file again with: `layout`, the one that read it, forced
        (detection could choose another today), with the layouts declared for its folder."""
        declared = declared_in(Path(self.folder)) if self.folder and Path(self.folder).is_dir() else ()
        if layout is not None and layout not in [*LAYOUTS, *(d.layout.name for d in declared)]:
            raise UsageError(
                f"the layout {layout!r} that read it is no longer declared in {self.folder or 'its folder'}"
            )
        return FileOptions(source=layout, property=self.property, declared=declared)
