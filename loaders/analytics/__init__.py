"""The report figures as SQL views analysts can query (one module per topic): what they share,
the statuses that count as sold and blocked, and how a view is declared, compiled and created."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import CompoundSelect, Float, Select, TableClause, case, cast, column, func, table
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement

from loaders.dialects import DIALECTS, Dialect
from schemas.vocab import ACTIVE_STATUSES, Status

# A stay is SOLD when it occupies its unit for a guest (schemas.vocab.ACTIVE_STATUSES without the
# owner's own stays): confirmed, in_house, completed. A no-show is not sold: the unit stood empty
# and no cleaning follows (as for the tasks and double bookings); its money is not revenue here.
SOLD = sorted(s.value for s in ACTIVE_STATUSES if s is not Status.OWNER_STAY)
# A stay BLOCKS its nights when the owner stays: they are neither sold nor available.
BLOCKED = [Status.OWNER_STAY.value]
# A booking was MADE (the denominator of the cancellation rate) when a stay was agreed: sold now,
# or agreed and then called off or not taken up. Inquiries, requests still pending and declined
# requests were never bookings.
MADE = sorted([*SOLD, Status.CANCELLED.value, Status.NO_SHOW.value])


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 where `condition` holds, else 0: a column analysts can SUM."""
    return case((condition, 1), else_=0)


def ratio(numerator: ColumnElement[Any], denominator: ColumnElement[Any]) -> ColumnElement[Any]:
    """numerator / denominator as a float, NULL where the denominator is 0 or NULL (undefined)."""
    return cast(numerator, Float) / func.nullif(denominator, 0)


@dataclass(frozen=True)
class View:
    """One view: its name and its query for a dialect; `table` declares its columns for the
    queries (and views) that read it."""

    name: str
    query: Callable[[Dialect], Select[Any] | CompoundSelect[Any]]

    @cached_property
    def table(self) -> TableClause:
        # The columns are the same on every database; the SQLite query names them.
        selected = self.query(DIALECTS["sqlite"]).selected_columns
        return table(self.name, *(column(c.name, c.type) for c in selected))

    def ddl(self, dialect: Dialect) -> str:
        """CREATE VIEW for this database, compiled from the query with its values inlined."""
        compiled = self.query(dialect).compile(
            dialect=make_url(f"{dialect.name}://").get_dialect()(), compile_kwargs={"literal_binds": True}
        )
        return f"{dialect.create_view} {self.name} AS\n{compiled}"
