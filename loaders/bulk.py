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

from sqlalchemy import Connection, Index, Table, UniqueConstraint, text
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

# Below this many new rows the per-row index cost is too small to be worth a rebuild.
MIN_ROWS = 50_000


def worth_it(conn: Connection, new_rows: int, existing_rows: int) -> bool:
    """Rebuild rather than maintain: PostgreSQL, a large batch, at least as large as the table."""
    return conn.dialect.name == "postgresql" and new_rows >= MIN_ROWS and new_rows >= existing_rows


@contextmanager
def indexes_deferred(conn: Connection, table: Table, enabled: bool) -> Iterator[None]:
    """Within the block, `table` has no unique constraints or secondary indexes (see
    `drop_indexes`); they are created again when the block ends."""
    if not enabled:
        yield
        return
    restore = drop_indexes(conn, table)
    yield
    restore()


def drop_indexes(conn: Connection, table: Table) -> Callable[[], None]:
    """Drop `table`'s unique constraints and secondary indexes (its primary key stays); return
    the function that creates them again. Takes the table's exclusive lock until commit:
    readers of the table wait for the load, as they would for its rows."""
    uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    indexes: list[Index] = sorted(table.indexes, key=lambda i: str(i.name))
    # Index builds sort; give them room (this transaction only).
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for constraint in uniques:
        conn.execute(DropConstraint(constraint))
    for index in indexes:
        conn.execute(DropIndex(index))

    def restore() -> None:
        for constraint in uniques:
            # isolate_from_table=False: the Table must keep creating the constraint in CREATE TABLE.
            conn.execute(AddConstraint(constraint, isolate_from_table=False))
        for index in indexes:
            conn.execute(CreateIndex(index))

    return restore
