"""Text as every human-readable output prints it (a module of its own, light: the start-up of an
inbox run prints before the heavy imports)."""

from __future__ import annotations


def _escapes(keep: str) -> dict[int, str]:
    # C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates (which
    # reorder what a terminal shows after them): written as escapes, so stored text can neither
    # drive the terminal (ESC [2J clears it) nor disguise what follows it.
    # A lone surrogate (a file name that is not UTF-8, as Python decodes it) cannot be printed at all.
    codes = [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xD800, 0xE000)]
    return {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in codes if chr(c) not in keep}


_IN_TEXT = str.maketrans(_escapes("\n\t"))  # a message of several lines keeps its lines
_IN_CELL = str.maketrans(_escapes(""))  # a table cell stays on its line


def shown(text: object, cell: bool = False) -> str:
    """`text` as every human-readable output prints it: control characters (and, in a table
    `cell`, line breaks and tabs too) shown escaped, `\\x1b`. JSON output keeps text as it is."""
    return str(text).translate(_IN_CELL if cell else _IN_TEXT)
