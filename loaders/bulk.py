"""Bulk loads on PostgreSQL: build a table's secondary indexes once, after the rows, not per row.

Inserting a million rows into a table with a unique index on random text keys costs PostgreSQL
about four times what the same insert costs without the index plus building the index from the
finished table (a sort). When one file brings at least as many new rows as a table holds, the
merge drops that table's unique constraints and secondary indexes, inserts, and creates them
again, all inside the file's transaction (a first load into an empty bookings table always
does): a rebuilt unique constraint that finds a duplicate
fails the whole file, and a rollback restores the indexes as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Table, text

from loaders.dialects import dialect_of
from schemas.tuning import DEFAULT_TUNING, Tuning


def worth_it(
    conn: Connection, new_rows: int, existing_rows: int, min_rows: int = DEFAULT_TUNING.deferred_index_min_rows
) -> bool:
    """Rebuild rather than maintain: a dialect that can (PostgreSQL), a large batch (below
    `min_rows` the per-row index cost is too small to be worth a rebuild), at least as large as
    the table."""
    return dialect_of(conn).defers_indexes and new_rows >= min_rows and new_rows >= existing_rows


@contextmanager
def indexes_deferred(
    conn: Connection, table: Table, new_rows: int, existing_rows: int, tuning: Tuning, primary_key: bool = False
) -> Iterator[None]:
    """Where it is `worth_it` for `new_rows` to come into `existing_rows`: within the block,
    `table` has no unique constraints or secondary indexes, nor with `primary_key` its primary
    key (see `drop_indexes`); they are created again when the block ends."""
    if not worth_it(conn, new_rows, existing_rows, tuning.deferred_index_min_rows):
        yield
        return
    restore = drop_indexes(conn, table, tuning, primary_key)
    yield
    restore()


def drop_indexes(conn: Connection, table: Table, tuning: Tuning, primary_key: bool = False) -> Callable[[], None]:
    """Drop `table`'s unique constraints and secondary indexes, and with `primary_key` its
    primary key (for rows whose keys the caller knows to be new and distinct, such as ids it
    reserved from the sequence); return the function that creates them again. They are read from
    the database's catalog, not from the table definition, so that what is rebuilt is exactly
    what was there (also in a database created by an older version). Takes the table's exclusive
    lock until commit: readers of the table wait for the load, as they would for its rows."""
    relation = {"table": conn.dialect.identifier_preparer.quote(table.name)}
    kinds = "('p', 'u')" if primary_key else "('u')"
    constraints = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = CAST(:table AS regclass) AND contype IN {kinds} ORDER BY contype, conname"
        ),
        relation,
    ).all()
    indexes = conn.execute(
        text(
            "SELECT CAST(indexrelid AS regclass)::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = CAST(:table AS regclass) AND NOT indisprimary "
            "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = CAST(:table AS regclass)) "
            "ORDER BY 1"
        ),
        relation,
    ).all()
    quoted = conn.dialect.identifier_preparer.quote
    # Index builds sort; give them room (this transaction only).
    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{int(tuning.pg_maintenance_work_mem_mb)}MB'"))
    for name, _ in constraints:
        conn.execute(text(f"ALTER TABLE {relation['table']} DROP CONSTRAINT {quoted(name)}"))
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))

    def restore() -> None:
        for name, definition in constraints:
            conn.execute(text(f"ALTER TABLE {relation['table']} ADD CONSTRAINT {quoted(name)} {definition}"))
        for _, definition in indexes:
            conn.execute(text(definition))

    return restore
