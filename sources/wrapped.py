"""CSV files re-saved by a spreadsheet as one quoted field per line (`"HM…,""Status"",…"`), unwrapped."""

from __future__ import annotations

import codecs

_SEPARATORS = (b",", b";", b"\t", b"|")


def unwrap(data: bytes) -> bytes:
    """The CSV inside `data` when every line of it is one quoted field holding a whole CSV line
    (a spreadsheet that read the file as one column and saved it again), else `data` itself.

    Only all-or-nothing: a file where some lines are wrapped and others not is left as it is
    (its wrapped lines then fail as rows of one cell, each with a message), because guessing
    which quotes are the wrapper's would corrupt the others. The work is a few passes of
    bytes.count and bytes.replace over the file: linear, no Python per line; a file whose
    first line is not wrapped costs one look at that line.
    """
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    first_end = data.find(b"\n", start)
    first = data[start : first_end if first_end >= 0 else len(data)].rstrip(b"\r")
    if _unwrapped(first) is None or not any(s in first for s in _SEPARATORS):
        return data
    body = data[start:].rstrip(b"\r\n")
    inner = _unwrapped(body)
    return data if inner is None else data[:start] + inner + data[start + len(body) :]


def _unwrapped(body: bytes) -> bytes | None:
    """The lines of `body` (no line end after the last) without their wrapping quotes, or None
    when not every line is one quoted field."""
    if len(body) < 2 or not (body.startswith(b'"') and body.endswith(b'"')):
        return None
    # Every line end sits between a line's closing quote and the next line's opening one.
    crlf = body.count(b'"\r\n"')
    if crlf + body.count(b'"\n"') != body.count(b"\n"):
        return None
    inner = body[1:-1].replace(b'"\r\n"', b"\r\n") if crlf else body[1:-1]
    inner = inner.replace(b'"\n"', b"\n")
    # Inside the wrapper every quote is doubled, so every run of quotes has an even length; a
    # file whose every field is quoted ("a","b") has lone quotes between its fields.
    if inner.count(b'"') != 2 * inner.count(b'""'):
        return None
    return inner.replace(b'""', b'"')
