"""Claims of presigned uploads: one confirm per upload, whatever the concurrency (issue 22).

Compatible with a legacy backend sharing the database because it is a new table only: the legacy
backend neither reads nor writes it, and no existing table changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_claims",
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("upload_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "upload_id"),
    )
    op.create_index(op.f("ix_upload_claims_claimed_at"), "upload_claims", ["claimed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_upload_claims_claimed_at"), table_name="upload_claims")
    op.drop_table("upload_claims")
