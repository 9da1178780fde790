"""The `bookingest layouts` command: every layout the reader knows, with its headers and status vocabulary."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from pipelines.discover import UsageError, declared_below
from pipelines.output import Shown, print_table
from schemas.status_map import StatusMapEntry, load_seed
from sources.layouts import LAYOUTS, Layout
from sources.layouts.declared import Declared
from sources.layouts.payout_base import PayoutLayout


def add_parser(sub: Any) -> None:
    """Register the command on the CLI's subparsers."""
    cmd = sub.add_parser(
        "layouts",
        help="the export layouts bookingest recognises: headers, dates, sources, statuses, earnings line types",
        description="List every export layout: the header spellings of each field, which fields it "
        "requires, its source, its date format and the status labels of its source(s).",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON on stdout")
    cmd.add_argument(
        "--inbox",
        metavar="FOLDER",
        help="also the layouts declared for this folder and the folders below it (layouts.toml)",
    )
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.inbox and not Path(args.inbox).is_dir():
        raise UsageError(("not a folder: " if os.path.lexists(args.inbox) else "no such folder: ") + args.inbox)
    declared = declared_below(Path(args.inbox)) if args.inbox else []
    # The declared layouts' labels are entries of the one status map, like the seed's.
    entries = [*load_seed(), *(e for d in declared for e in d.status_entries())]
    described = [describe(layout, entries) for layout in LAYOUTS.values()]
    described += [describe(d.layout, entries, d) for d in declared]
    if args.json:
        json.dump(described, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for i, layout in enumerate(described):
            print_layout(layout, sys.stdout, first=i == 0)
    return 0


def describe(layout: Layout, seed: list[StatusMapEntry], declared: Declared | None = None) -> dict[str, Any]:
    """One layout as plain data (what --json prints and the text is made from). Its status
    vocabulary is the labels of `seed` (the seed file's, and those of the declared layouts
    listed) for the sources its rows can have; the database's own status_map may hold more
    (added by an operator). `declared`: where the layout was declared, if it was."""
    sources = [layout.source] if layout.source is not None else list(dict.fromkeys(layout.source_labels.values()))
    types: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    if isinstance(layout, PayoutLayout):  # money lines: types, not statuses
        sources = []
        types = {t: k.value for t, k in layout.type_kinds.items()}
        prefixes = {t: k.value for t, k in layout.type_prefixes.items()}
    return {
        "kind": layout.kind,
        "name": layout.name,
        "title": layout.title,
        "language": layout.language,
        "declared": None if declared is None else {"file": str(declared.file), "index": declared.index},
        "fields": {
            f: {"headers": list(spellings), "required": f in layout.required} for f, spellings in layout.headers.items()
        },
        "source": layout.source.value if layout.source is not None else None,
        "source_labels": {label: s.value for label, s in layout.source_labels.items()},
        "date_format": layout.date_format,
        "date_hint": layout.date_hint,
        "code_pattern": layout.code_pattern,
        "code_hint": layout.code_hint or None,
        "default_currency": layout.default_currency,
        "statuses": {s.value: {e.raw_status: e.status for e in seed if e.source == s.value} for s in sources},
        "types": types,
        "type_prefixes": prefixes,
    }


def print_layout(layout: dict[str, Any], output: TextIO, first: bool = False) -> None:
    """A heading, a table of fields and their header spellings, then the sources and statuses."""
    out = Shown(output)  # a declared layout's names and labels are the operator's text
    where = layout["declared"]
    declared = f" (declared in {where['file']}, layout {where['index']})" if where else ""
    out.write(("" if first else "\n") + f"{layout['name']}: {layout['title']} [{layout['language']}]{declared}\n")
    rows = [
        (name, " | ".join(f["headers"]), "required" if f["required"] else "") for name, f in layout["fields"].items()
    ]
    print_table(("field", "headers", "required"), rows, output)
    if layout["source"]:
        out.write(f"source: {layout['source']}\n")
    else:
        labels = ", ".join(f"{label} → {s}" for label, s in layout["source_labels"].items())
        out.write(f"source: from the source column ({labels})\n")
    out.write(f"dates: {layout['date_hint']}" + (f" ({layout['date_format']})" if layout["date_format"] else "") + "\n")
    if layout["code_hint"]:
        out.write(f"codes: {layout['code_hint']}\n")
    # Grouped by canonical status: a platform has a few dozen labels for nine statuses.
    grouped = [
        (source, status, ", ".join(raw for raw, s in labels.items() if s == status))
        for source, labels in layout["statuses"].items()
        for status in dict.fromkeys(labels.values())
    ]
    if layout["types"]:
        types = [*layout["types"].items(), *((f"{p} …", k) for p, k in layout["type_prefixes"].items())]
        out.write("line types (any other is stored as kind other):\n")
        print_table(("type", "kind"), types, output)
    if grouped:
        out.write("status labels (from the status map seed" + (" and the declared layouts" if where else "") + "):\n")
        print_table(("source", "status", "labels"), grouped, output)
