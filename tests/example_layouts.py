"""The example operator's declared layouts (data/example_layouts.toml), for the tests that read every sample."""

from __future__ import annotations

from pathlib import Path

from schemas.status_map import StatusMapEntry, load_seed
from sources.layouts import LAYOUTS, Layout
from sources.layouts.declared import Declared, load

EXAMPLE_LAYOUTS = Path(__file__).resolve().parents[1] / "data" / "example_layouts.toml"
EXAMPLE: list[Declared] = load(EXAMPLE_LAYOUTS, LAYOUTS)
DECLARED: list[Layout] = [d.layout for d in EXAMPLE]


def seed_and_declared() -> list[StatusMapEntry]:
    """The status map of a database that loaded the samples: the seed and the example's labels."""
    return [*load_seed(), *(e for d in EXAMPLE for e in d.status_entries())]
