"""The fuzz test: mutated samples through `bookingest ingest --json` in-process, with a fixed seed.

Every run must end with exit status 0, 1 or 2, valid JSON, no traceback, and a database that
holds the file whole or not at all (tests/fuzzing.py says exactly what is checked). The long run
of the same fuzzer is benchmarks/fuzz.py (its figures are in the README).
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
from pathlib import Path

import fuzzing
import pytest
from databases import reset_pg_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.ingest import open_database

pytestmark = pytest.mark.slow
_counter = itertools.count()
FIXED = settings(
    derandomize=True,  # the same cases on every run and machine: CI is reproducible
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOOKINGEST_") or name == "PREFECT_API_URL":
            monkeypatch.delenv(name)
    for name, value in fuzzing.LIMITS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOOKINGEST_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fuzzing.template(tmp_path_factory.mktemp("fuzz-template"))


def _explain(sample: Path, seed: int, outcome: fuzzing.Outcome) -> str:
    _, mutations = fuzzing.mutate(sample.read_bytes(), random.Random(seed))
    return (
        f"{sample.name} seed {seed} ({', '.join(mutations)}): {outcome.problems}; exit {outcome.code}; "
        f"stderr {outcome.stderr[:500]!r}; reproduce: python benchmarks/fuzz.py --only {sample.name} --seed {seed} --cases 1"
    )


@settings(FIXED, max_examples=300)
@given(sample=st.sampled_from(fuzzing.SAMPLE_FILES), seed=st.integers(0, 2**32 - 1))
def test_a_mutated_sample_never_crashes_and_loads_whole_or_not_at_all_sqlite(
    sample: Path, seed: int, template: Path, tmp_path: Path
) -> None:
    outcome = fuzzing.run_case(sample, seed, tmp_path / f"case{next(_counter)}", template)

    assert not outcome.problems, _explain(sample, seed, outcome)


@settings(FIXED, max_examples=40)
@given(sample=st.sampled_from(fuzzing.SAMPLE_FILES), seed=st.integers(0, 2**32 - 1))
def test_a_mutated_sample_never_crashes_and_loads_whole_or_not_at_all_postgresql(
    sample: Path, seed: int, pg_server_url: str, tmp_path: Path
) -> None:
    reset_pg_schema(pg_server_url)
    open_database(pg_server_url).dispose()
    folder = tmp_path / f"case{next(_counter)}"
    folder.mkdir()
    path = folder / sample.name
    path.write_bytes(fuzzing.mutate(sample.read_bytes(), random.Random(seed))[0])

    outcome = fuzzing.run_and_check(path, pg_server_url)

    assert not outcome.problems, _explain(sample, seed, outcome)
    shutil.rmtree(folder)


def test_the_mutations_change_the_bytes_and_are_reproducible() -> None:
    sample = fuzzing.SAMPLE_FILES[0].read_bytes()
    first = [fuzzing.mutate(sample, random.Random(seed)) for seed in range(50)]

    assert first == [fuzzing.mutate(sample, random.Random(seed)) for seed in range(50)]
    assert sum(data != sample for data, _ in first) >= 45
    assert {name.split("@")[0] for _, names in first for name in names} == set(fuzzing.MUTATIONS)
