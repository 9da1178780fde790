"""What building a fresh database costs: the Alembic revisions from empty (loaders.migrate.upgrade,
what open_database runs on first use) against the previous release's way, `metadata.create_all` and
the three views in one transaction (as loaders.db.ensure_schema did before migrations).

    .venv/bin/python benchmarks/schema_setup.py [--runs 20] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each run builds one new SQLite file, or one emptied PostgreSQL schema, under the schema lock; the
two ways alternate, and the medians are printed in milliseconds. The first Alembic run of the
process (which reads the revisions once: loaders.migrate.scripts is cached) is printed apart."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text

from loaders import migrate
from loaders.db import connect, schema_lock
from loaders.dialects import dialect_of
from loaders.history import history_view_sql
from loaders.payouts import payout_lines_view_sql
from loaders.rules.overlaps import conflicts_view_sql
from loaders.tables import metadata


def create_all(conn: Connection) -> None:
    dialect = dialect_of(conn)
    metadata.create_all(conn)
    for view_sql in (conflicts_view_sql, history_view_sql, payout_lines_view_sql):
        conn.execute(text(view_sql(dialect)))


def alembic(conn: Connection) -> None:
    migrate.upgrade(conn)


def timed(engine: Engine, build: Callable[[Connection], None]) -> float:
    start = time.perf_counter()
    with schema_lock(engine) as conn:
        build(conn)
    return (time.perf_counter() - start) * 1000


def run(name: str, fresh: Callable[[], Engine], runs: int) -> None:
    first = timed(engine := fresh(), alembic)
    engine.dispose()
    times: dict[str, list[float]] = {"create_all": [], "alembic": []}
    for n in range(runs):
        for way, build in sorted({"create_all": create_all, "alembic": alembic}.items(), reverse=n % 2 == 1):
            engine = fresh()
            times[way].append(timed(engine, build))
            engine.dispose()
    old, new = statistics.median(times["create_all"]), statistics.median(times["alembic"])
    print(
        f"{name:10}  create_all {old:6.1f} ms   alembic {new:6.1f} ms  (x{new / old:.2f})   first alembic {first:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        counter = iter(range(10**6))
        run("SQLite", lambda: connect(f"sqlite:///{Path(folder) / f'{next(counter)}.db'}"), args.runs)
    name = "bookingest_schema_bench"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def fresh_pg() -> Engine:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return connect(url)

    try:
        run("PostgreSQL", fresh_pg, args.runs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
