"""Alembic's own entry point, for its command line and command API only (developers: `alembic -x
db=URL revision --autogenerate -m "..."`, see README "Schema migrations"; tests: a connection in
config.attributes["connection"]). bookingest itself runs the revisions through loaders.migrate, on
the connection that holds the schema lock, without this file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from loaders.db import normalize_url
from loaders.migrate import context_options


def run(conn: Connection) -> None:
    context.configure(connection=conn, **context_options())
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.get_x_argument(as_dictionary=True).get("db") or "sqlite:///bookingest.db"
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        run(conn)
        conn.commit()
    engine.dispose()
