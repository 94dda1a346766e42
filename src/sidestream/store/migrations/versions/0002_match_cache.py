"""Data versions: one stamp per scope (accounts, each region) for cache validation.

The match, flow-list and caller caches of the API (per process) are keyed by these
stamps; ``sidestream.store.versions`` changes them in the same transaction as any
write to the scope's rows, so every worker sees a change with one small read.

Revision ID: 0002_match_cache
Revises: 0001
Create Date: 2026-11-27 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_match_cache"
down_revision: str | Sequence[str] | None = "0007_workshops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_data_versions")),
    )


def downgrade() -> None:
    op.drop_table("data_versions")
