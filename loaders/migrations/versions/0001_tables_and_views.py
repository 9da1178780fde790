"""The tables and views of bookingest 0.1, before bookings.row_hash and the "C" collation of codes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from loaders.dialects import dialect_of
from loaders.history import history_view_sql
from loaders.payouts import payout_lines_view_sql
from loaders.rules.overlaps import conflicts_view_sql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SOURCES = "('airbnb', 'booking_com', 'vrbo', 'direct', 'owner')"
STATUSES = (
    "('inquiry', 'pending', 'confirmed', 'in_house', 'completed', 'cancelled', 'declined', 'no_show', 'owner_stay')"
)
MONEY = sa.Numeric(precision=14, scale=4)
TABLES = [
    "properties", "property_aliases", "source_files", "bookings", "status_map", "rejected_rows",
    "source_file_keys", "booking_changes", "tasks", "payouts",
]  # fmt: skip
PAYOUT_MONEY = [
    "amount", "paid_out", "service_fee", "fast_pay_fee", "cleaning_fee", "pet_fee", "gross",
    "occupancy_taxes", "remitted_tax",
]  # fmt: skip
VIEWS = ["booking_conflicts", "booking_history", "payout_lines"]


def upgrade() -> None:
    op.create_table(
        "properties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_properties")),
        sa.UniqueConstraint("name", name=op.f("uq_properties_name")),
    )
    op.create_table(
        "property_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("alias_key", sa.Text(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"source IN {SOURCES}", name=op.f("ck_property_aliases_source")),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_property_aliases_property_id_properties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_property_aliases")),
        sa.UniqueConstraint("source", "alias_key", name=op.f("uq_property_aliases_source_alias_key")),
    )
    op.create_index(op.f("ix_property_aliases_property_id"), "property_aliases", ["property_id"])
    op.create_table(
        "source_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('loaded', 'duplicate', 'rejected')", name=op.f("ck_source_files_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_source_files_sha256")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("external_code", sa.String(length=64), nullable=False),  # "C" on PostgreSQL: 0003
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("guest_name", sa.Text(), nullable=True),
        sa.Column("guest_contact", sa.Text(), nullable=True),
        sa.Column("adults", sa.Integer(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("infants", sa.Integer(), nullable=True),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("raw_status", sa.Text(), nullable=False),
        sa.Column("payout", MONEY, nullable=True),
        sa.Column("gross", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("first_file_id", sa.Integer(), nullable=False),
        sa.Column("first_as_of", sa.DateTime(), nullable=False),
        sa.CheckConstraint("check_out > check_in", name=op.f("ck_bookings_stay_has_nights")),
        sa.CheckConstraint(
            "(adults IS NULL OR adults >= 0) AND (children IS NULL OR children >= 0) AND (infants IS NULL OR infants >= 0)",
            name=op.f("ck_bookings_counts_not_negative"),
        ),
        sa.CheckConstraint("nights > 0", name=op.f("ck_bookings_nights_positive")),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_bookings_status")),
        sa.CheckConstraint(f"source IN {SOURCES}", name=op.f("ck_bookings_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("external_code", "source", name=op.f("uq_bookings_external_code_source")),
    )
    op.create_index(op.f("ix_bookings_property_id_check_in"), "bookings", ["property_id", "check_in"])
    op.create_table(
        "status_map",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("raw_status", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_status_map_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_map")),
        sa.UniqueConstraint("source", "raw_status", name=op.f("uq_status_map_source_raw_status")),
    )
    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_file_id"], ["source_files.id"], name=op.f("fk_rejected_rows_source_file_id_source_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_rows")),
    )
    op.create_index(op.f("ix_rejected_rows_source_file_id"), "rejected_rows", ["source_file_id"])
    op.create_table(
        "source_file_keys",
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("booking_ids", sa.Text().with_variant(postgresql.ARRAY(sa.Integer()), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("source_file_id", name=op.f("pk_source_file_keys")),
    )
    op.create_table(
        "booking_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('created', 'dates_moved', 'cancelled', 'reinstated', 'status_progressed', 'status_label', "
            "'guest_corrected', 'payout_corrected', 'property_changed')",
            name=op.f("ck_booking_changes_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_changes")),
    )
    op.create_index(op.f("ix_booking_changes_booking_id_id"), "booking_changes", ["booking_id", "id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("same_day_turnover", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f("ck_tasks_status")),
        sa.CheckConstraint("kind IN ('cleaning')", name=op.f("ck_tasks_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("booking_id", "kind", name=op.f("uq_tasks_booking_id_kind")),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("raw_type", sa.Text(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("arriving_by", sa.Date(), nullable=True),
        sa.Column("external_code", sa.String(length=64), nullable=True),  # "C" on PostgreSQL: 0003
        sa.Column("booked_on", sa.Date(), nullable=True),
        sa.Column("check_in", sa.Date(), nullable=True),
        sa.Column("check_out", sa.Date(), nullable=True),
        sa.Column("nights", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.Text(), nullable=True),
        sa.Column("property_name", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        *(sa.Column(name, MONEY, nullable=True) for name in PAYOUT_MONEY),
        sa.Column("earnings_year", sa.Integer(), nullable=True),
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('payout', 'reservation', 'adjustment', 'resolution', 'co_host', 'credit', 'other')",
            name=op.f("ck_payouts_kind"),
        ),
        sa.CheckConstraint(f"source IN {SOURCES}", name=op.f("ck_payouts_source")),
        sa.ForeignKeyConstraint(
            ["source_file_id"], ["source_files.id"], name=op.f("fk_payouts_source_file_id_source_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("line_key", name=op.f("uq_payouts_line_key")),
    )
    op.create_index(op.f("ix_payouts_source_file_id"), "payouts", ["source_file_id"])
    op.create_index(op.f("ix_payouts_external_code_source"), "payouts", ["external_code", "source"])
    # The views, from the functions the product compiles them with (the rule stated once).
    dialect = dialect_of(op.get_bind())
    for view_sql in (conflicts_view_sql, history_view_sql, payout_lines_view_sql):
        op.execute(view_sql(dialect))


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    for table in reversed(TABLES):
        op.drop_table(table)
