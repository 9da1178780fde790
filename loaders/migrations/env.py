"""Alembic's own entry point, for its command line only (developers: `alembic -x db=URL revision
--autogenerate -m "..."`, see README "Schema migrations"). bookingest itself runs the revisions through
loaders.migrate, on the connection that holds the schema lock, and never reads this file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from loaders.db import normalize_url
from loaders.migrate import context_options

url = context.get_x_argument(as_dictionary=True).get("db") or "sqlite:///bookingest.db"
engine = create_engine(normalize_url(url))
with engine.begin() as conn:
    context.configure(connection=conn, **context_options())
    context.run_migrations()
engine.dispose()
