"""The exports the runs read: generated once by generate.py and cached in OUT/data with a manifest."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import GENERATE, GENERATOR_KIND, SetupError, log
from .measure import last_line


@dataclass
class Files:
    """The exports of one size and kind."""

    base: Path
    same: Path
    changed: Path
    expected_changed: int


def generator_hash() -> str:
    return hashlib.sha256(GENERATE.read_bytes()).hexdigest()


class DataCache:
    """Generated files in OUT/data, regenerated only when generate.py or the arguments change."""

    def __init__(self, root: Path, change: float) -> None:
        self.root = root
        self.change = change
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path = root / "MANIFEST.json"
        self.manifest: dict[str, Any] = {}
        if self.manifest_path.exists():
            try:
                self.manifest = json.loads(self.manifest_path.read_text())
            except json.JSONDecodeError:
                self.manifest = {}
        self.hash = generator_hash()

    def _fresh(self, path: Path, key: dict[str, Any]) -> bool:
        return path.exists() and self.manifest.get(path.name) == key

    def _record(self, path: Path, key: dict[str, Any]) -> None:
        self.manifest[path.name] = key
        self._save()

    def _save(self) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2, sort_keys=True))
        os.replace(tmp, self.manifest_path)

    def generated(self, kind: str, rows: int, change: float = 0.0) -> Path:
        suffix = f"_change{change:g}" if change else ""
        path = self.root / f"airbnb_{rows}{suffix}.{kind}"
        key = {"generator": self.hash, "kind": GENERATOR_KIND[kind], "rows": rows, "change": change}
        if self._fresh(path, key):
            return path
        tmp = path.with_name(path.name + ".partial")
        cmd = [sys.executable, str(GENERATE), GENERATOR_KIND[kind], str(rows), str(tmp)]
        if change:
            cmd += ["--change", repr(change)]
        log(f"generating {path.name} ({rows:,} rows{', ' + format(change, '.0%') + ' changed' if change else ''}) …")
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise SetupError(f"generate.py failed for {path.name}: {last_line(done.stderr)}")
        os.replace(tmp, path)
        self._record(path, key)
        log(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        return path

    def same_rows(self, base: Path, kind: str) -> Path:
        """The same rows in a file whose bytes (so whose SHA-256) differ from `base`."""
        path = base.with_name(base.stem + "_same" + base.suffix)
        key = {"from": base.name, "base_sha256": _sha256(base)}
        if self._fresh(path, key):
            return path
        tmp = path.with_name(path.name + ".partial")
        shutil.copyfile(base, tmp)
        if kind == "csv":
            with tmp.open("ab") as f:  # one empty record at the end: ignored by every CSV reader
                f.write(b"\r\n")
        else:
            with zipfile.ZipFile(tmp, "a") as z:  # a zip comment: the workbook's content is untouched
                z.comment = b"bookingest benchmark: the same rows in a new file"
        os.replace(tmp, path)
        self._record(path, key)
        return path

    def expected_changed(self, rows: int, change: float) -> int:
        """How many bookings the generator really changed (dates, status or guests differ)."""
        key = f"expected_changed:{self.hash}:{rows}:{change!r}"
        if key in self.manifest:
            return int(self.manifest[key])
        generate = _import_generate()
        a, b = generate.bookings(rows), generate.bookings(rows, change)
        differs = (a["start"] != b["start"]) | (a["nights"] != b["nights"]) | (a["status"] != b["status"])
        differs |= (a["adults"] != b["adults"]) | (a["children"] != b["children"]) | (a["infants"] != b["infants"])
        n = int(differs.sum())
        self.manifest[key] = n
        self._save()
        return n

    def files(self, kind: str, rows: int) -> Files:
        base = self.generated(kind, rows)
        return Files(base, self.same_rows(base, kind), self.generated(kind, rows, self.change),
                     self.expected_changed(rows, self.change))  # fmt: skip


def _import_generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
