"""The architecture's MOC fields and a string wishlist ``sortOrder`` (issue 21).

Compatible with a legacy backend sharing the database because every change is additive:

* ``moc_instructions.subtheme``, ``release_year``, ``retired``, ``total_piece_count``: new
  nullable columns; a legacy INSERT or UPDATE that does not name them leaves them NULL.
* ``moc_instructions.uploaded_date``: new, defaulted to ``now()`` (existing rows take their
  ``created_at``), so a legacy INSERT still succeeds and gets today's date.
* ``wishlist_items.sort_key``: new nullable column holding the string order (byte-wise ``C``
  collation, as JavaScript compares strings). The legacy integer ``sort_order`` stays and keeps
  being written with the rank, so a legacy reader still sees the user's order; a row a legacy
  backend inserts without a key sorts after the keyed ones, by its integer position.
* The parser's sum moves from ``parts_count`` to ``total_piece_count``; ``parts_count`` values
  already written are left as they are (they may be an author's estimate: nothing tells them apart).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from fractional_indexing import generate_n_keys_between

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("moc_instructions", sa.Column("subtheme", sa.String(length=100), nullable=True))
    op.add_column("moc_instructions", sa.Column("release_year", sa.Integer(), nullable=True))
    op.add_column("moc_instructions", sa.Column("retired", sa.Boolean(), nullable=True))
    op.add_column("moc_instructions", sa.Column("total_piece_count", sa.Integer(), nullable=True))
    op.add_column(
        "moc_instructions",
        sa.Column("uploaded_date", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True),
    )
    op.execute("UPDATE moc_instructions SET uploaded_date = created_at")
    op.alter_column("moc_instructions", "uploaded_date", nullable=False)
    op.add_column("wishlist_items", sa.Column("sort_key", sa.String(length=64, collation="C"), nullable=True))
    _key_existing_wishlists()


def _key_existing_wishlists() -> None:
    """Give every existing item a key in its user's current order (integer position, then age)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, user_id FROM wishlist_items ORDER BY user_id, sort_order, created_at, id")
    ).all()
    by_user: dict[str, list[object]] = {}
    for item_id, user_id in rows:
        by_user.setdefault(user_id, []).append(item_id)
    for ids in by_user.values():
        keys = generate_n_keys_between(None, None, len(ids))
        connection.execute(
            sa.text("UPDATE wishlist_items SET sort_key = :key WHERE id = :id"),
            [{"key": key, "id": item_id} for key, item_id in zip(keys, ids, strict=True)],
        )


def downgrade() -> None:
    op.drop_column("wishlist_items", "sort_key")
    op.drop_column("moc_instructions", "uploaded_date")
    op.drop_column("moc_instructions", "total_piece_count")
    op.drop_column("moc_instructions", "retired")
    op.drop_column("moc_instructions", "release_year")
    op.drop_column("moc_instructions", "subtheme")
