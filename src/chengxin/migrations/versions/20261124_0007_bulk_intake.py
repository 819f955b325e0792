"""bulk intake: identifiers compared byte by byte; one ratee index on ratings; no pair-points table

The marketplace and rating tables' ids and codes (``chengxin.db.Code``) get ``COLLATE "C"`` on
PostgreSQL: under the database's linguistic default every index comparison of a bulk import was a
``strcoll()`` call (SQLite compares bytes already). The ratings' two indexes leading with the ratee
become one, ``(ratee_account_id, direction, rater_account_id)``: it finds a pair's ratings and a
ratee's ratings alike. ``credit_pair_points`` goes: a change's effect on a pair's points is now
scored from the pair's ratings before and after it (a downgrade recreates it empty).

Revision ID: 20261124_0007
Revises: 20261124_0006
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261124_0007"
down_revision = "20261124_0006"
branch_labels = None
depends_on = None

COLUMNS: dict[str, list[tuple[str, int]]] = {
    "market_accounts": [("account_id", 64), ("platform_id", 40), ("role", 10), ("uscc", 18)],
    "market_account_links": [("row_key", 40), ("account_id", 64), ("link_type", 10), ("value", 128)],
    "market_items": [("item_id", 64), ("seller_account_id", 64)],
    "market_waybills": [("waybill_no", 64), ("carrier_uscc", 18), ("origin_division", 6), ("dest_division", 6)],
    "market_tracking_events": [
        ("row_key", 40),
        ("waybill_no", 64),
        ("event_type", 20),
        ("division", 6),
        ("outlet_id", 64),
    ],
    "market_orders": [
        ("order_id", 64),
        ("platform_id", 40),
        ("buyer_account_id", 64),
        ("seller_account_id", 64),
        ("item_id", 64),
        ("waybill_no", 64),
        ("status", 10),
    ],
    "market_price_history": [("row_key", 40), ("item_id", 64)],
    "market_traffic": [
        ("row_key", 40),
        ("visitor_id", 64),
        ("seller_account_id", 64),
        ("item_id", 64),
        ("event_type", 10),
    ],
    "ratings": [
        ("rating_id", 80),
        ("order_id", 64),
        ("platform_id", 40),
        ("rater_account_id", 64),
        ("ratee_account_id", 64),
        ("seller_account_id", 64),
        ("direction", 16),
        ("kind", 10),
        ("score", 8),
    ],
    "rating_replies": [("rating_id", 80), ("author_account_id", 64), ("seller_account_id", 64)],
    "rating_chains": [("seller_account_id", 64)],
    "rating_flags": [("rating_id", 80), ("seller_account_id", 64), ("platform_id", 40)],
    "credit_points": [("account_id", 64), ("side", 8)],
}


def _alter(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    collate = f' COLLATE "{collation}"' if collation else ""
    for table, columns in COLUMNS.items():
        # one statement per table: PostgreSQL rebuilds the table's indexes once, not once per column
        changes = ", ".join(f"ALTER COLUMN {name} TYPE varchar({length}){collate}" for name, length in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    op.drop_table("credit_pair_points")
    op.drop_index("ix_ratings_pair", table_name="ratings")
    op.drop_index("ix_ratings_ratee", table_name="ratings")
    _alter("C")
    op.create_index("ix_ratings_ratee", "ratings", ["ratee_account_id", "direction", "rater_account_id"])


def downgrade() -> None:
    op.drop_index("ix_ratings_ratee", table_name="ratings")
    _alter(None)
    op.create_index("ix_ratings_ratee", "ratings", ["ratee_account_id", "direction", "created_at"])
    op.create_index("ix_ratings_pair", "ratings", ["ratee_account_id", "rater_account_id", "direction"])
    op.create_table(
        "credit_pair_points",
        sa.Column("ratee_account_id", sa.String(length=64), nullable=False),
        sa.Column("rater_account_id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "ratee_account_id", "rater_account_id", "direction", name=op.f("pk_credit_pair_points")
        ),
    )
