"""The fuzzer of the CLI's ingest, shared by tests/fuzz/ and benchmarks/fuzz.py: mutations of the
sample files, one in-process run of `bookingest ingest --json`, and what every run must hold."""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from databases import REFERENCES
from sqlalchemy import create_engine, func, select

from loaders.tables import bookings, payouts, properties, rejected_rows, source_files, tasks
from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
# Every sample but the one whose layout its folder's bookingest.toml declares (a mutated copy
# stands alone). The BIFF .xls downloads are in too: a mutated BIFF file used to make the reader
# take gigabytes or panic, in the process; workbooks are now read in a child process under
# memory and time limits (sources.sandbox), so such a file is rejected in a sentence.
SAMPLE_FILES = sorted(
    p for p in SAMPLES.iterdir() if p.is_file() and p.suffix != ".toml" and "example_pms" not in p.name
)
# Limits lowered, so that "huge" stays small: a cell or a file over them must be refused in a
# sentence, not read. Set as the BOOKINGEST_ variables a person would set.
LIMITS = {
    "BOOKINGEST_MAX_CELL_BYTES": "20000",
    "BOOKINGEST_MAX_ROWS": "2000",
    "BOOKINGEST_MAX_COLUMNS": "300",
    "BOOKINGEST_MAX_FILE_MB": "2",
    "BOOKINGEST_MAX_UNCOMPRESSED_MB": "16",
    "BOOKINGEST_MAX_ZIP_MEMBERS": "200",
    "BOOKINGEST_MAX_SECONDS_PER_FILE": "60",
    "BOOKINGEST_MAX_READER_MEMORY_MB": "2048",
    "BOOKINGEST_PREFECT": "no",
    "BOOKINGEST_RETRY_FOR_SECONDS": "0",
}
HUGE = 50_000  # bytes: over the cell limit above
TOKENS = [
    b",",
    b'"',
    b'""',
    b"\t",
    b";",
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b"<",
    b">",
    b"<td>",
    b"</tr>",
    b"<table>",
    b"&",
]
ODD_VALUES = [
    b"", b"-1", b"1e309", b"NaN", b"9" * 40, b"2025-02-30", b"13/45/2025", b"=cmd|' /C calc'!A0", b"\xff\xfe",
    "\U0001f3e0\u202e\u200d".encode(), b"\x1b[2J", b"$-0.00", b"1,2,3", b"null", b"0x10", b" " * 100, b"\xc3",
]  # fmt: skip


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 4096)]
    at = rng.randrange(len(data))
    return data[:at] + chunk * rng.randint(1, 4) + data[at:]


def _insert(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(TOKENS) + data[at:]
    return data


def _cell(data: bytes, rng: random.Random) -> bytes:
    """A value between two delimiters replaced by a huge or an odd one."""
    spots = [i for i, b in enumerate(data) if b in b",\t\n<>"] or [0]
    at = rng.choice(spots) + 1
    end = at + next((i for i, b in enumerate(data[at:]) if b in b",\t\n<"), 0)
    value = (
        rng.choice(ODD_VALUES)
        if rng.random() < 0.6
        else bytes([rng.randrange(65, 91)]) * rng.randint(HUGE // 10, HUGE * 2)
    )
    return data[:at] + value + data[end:]


def _wide(data: bytes, rng: random.Random) -> bytes:
    """A line with many more cells than the header."""
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    lines[i] += b"," * rng.randint(10, 1000)
    return b"\n".join(lines)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": _flip, "truncate": _truncate, "duplicate": _duplicate, "insert": _insert, "cell": _cell, "wide": _wide,
}  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three mutations; a workbook's members are mutated inside the zip as often as its bytes."""
    names = [rng.choice(list(MUTATIONS)) for _ in range(rng.randint(1, 3))]
    if data.startswith(b"PK") and rng.random() < 0.5:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = {i.filename: z.read(i) for i in z.infolist()}
        target = rng.choice(sorted(members))
        for name in names:
            members[target] = MUTATIONS[name](members[target] or b" ", rng)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in members.items():
                z.writestr(name, content)
        return out.getvalue(), [f"{n}@{target}" for n in names]
    for name in names:
        data = MUTATIONS[name](data or b" ", rng)
    return data, names


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    problems: list[str] = field(default_factory=list)  # what it broke of the rules below
    internal: bool = False  # a file rejected as "internal error ... please report it": a reader's bug


def run_case(sample: Path, seed: int, folder: Path, template_db: Path) -> Outcome:
    """Mutate `sample` with `seed`, ingest it alone into a fresh copy of `template_db` (an
    empty schema), and check what the run printed and left in the database."""
    data, _ = mutate(sample.read_bytes(), random.Random(seed))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / sample.name
    path.write_bytes(data)
    db = folder / "fuzz.db"
    shutil.copy(template_db, db)
    return run_and_check(path, f"sqlite:///{db}")


def run_and_check(path: Path, url: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "ingest",
        str(path),
        "--db",
        url,
        "--json",
        "--no-prefect",
        "--property",
        "Fuzz Flat",
        "--as-of",
        "2026-01-01",
    ]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    outcome = Outcome(code, out.getvalue(), err.getvalue())
    outcome.problems = check(outcome, url)
    outcome.internal = "internal error" in outcome.stdout
    return outcome


def check(outcome: Outcome, url: str) -> list[str]:
    """Exit 0, 1 or 2; no traceback; valid JSON; the file loaded whole or not at all."""
    problems = []
    if outcome.code not in (0, 1, 2):
        problems.append(f"exit status {outcome.code}")
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        problems.append("a traceback")
    if "unexpected error" in outcome.stderr:
        problems.append("the last-resort handler: " + outcome.stderr.strip().splitlines()[0])
    if outcome.code == 2:
        return problems + ([] if outcome.stdout == "" else ["output with a usage error"])
    try:
        [result] = json.loads(outcome.stdout)["files"]
    except (ValueError, KeyError, TypeError) as err:
        return [*problems, f"no valid JSON summary of one file ({err})"]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            n = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in
                 (source_files, bookings, payouts, rejected_rows, tasks, properties)}  # fmt: skip
            dangling = [
                f"{c.table.name}.{c.name}"
                for c, target in REFERENCES
                if conn.execute(select(func.count()).where(c.not_in(select(target)))).scalar_one()
            ]
            counts = conn.execute(select(source_files.c.rows, source_files.c.inserted, source_files.c.rejected)).all()
    finally:
        engine.dispose()
    if dangling:
        problems.append(f"references to nothing: {dangling}")
    if result["status"] != "loaded":
        if any(n.values()):
            problems.append(f"a {result['status']} file left rows behind: {n}")
        return problems
    if n["source_files"] != 1:
        return [*problems, f"a loaded file has {n['source_files']} source_files rows"]
    [(rows, inserted, rejected)] = counts
    written = n["bookings"] + n["payouts"]
    if (rows, inserted, rejected) != (result["rows"], result["inserted"], result["rejected"]):
        problems.append(f"source_files says {(rows, inserted, rejected)}, the summary {result}")
    if written != result["inserted"] or result["updated"] or result["unchanged"]:
        problems.append(f"{written} bookings/payout lines stored, the summary says {result['inserted']} inserted")
    if n["rejected_rows"] < result["rejected"] or (result["rejected"] == 0) != (n["rejected_rows"] == 0):
        problems.append(f"{n['rejected_rows']} rejected_rows for {result['rejected']} rejected row(s)")
    if result["inserted"] + result["rejected"] > result["rows"]:
        problems.append(f"more rows stored or rejected than read: {result}")
    return problems


def template(folder: Path) -> Path:
    """An empty database with the schema and the status map, copied for each case."""
    from pipelines.ingest import open_database

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "template.db"
    open_database(f"sqlite:///{db}").dispose()
    return db
