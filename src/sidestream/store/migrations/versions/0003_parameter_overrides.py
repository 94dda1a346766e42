"""Evaluation parameter overrides per region and per saved synergy (issue 8).

Revision ID: 0003_parameter_overrides
Revises: 0001
Create Date: 2026-11-27 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_parameter_overrides"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parameter_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("synergy_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text_value", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_parameter_overrides_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["synergy_id"],
            ["synergies.id"],
            name=op.f("fk_parameter_overrides_synergy_id_synergies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_parameter_overrides_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_overrides")),
        sa.UniqueConstraint(
            "region_id", "synergy_id", "key", name=op.f("uq_parameter_overrides_region_id_synergy_id_key")
        ),
    )
    op.create_index(op.f("ix_parameter_overrides_region_id"), "parameter_overrides", ["region_id"])
    op.create_index(op.f("ix_parameter_overrides_synergy_id"), "parameter_overrides", ["synergy_id"])


def downgrade() -> None:
    op.drop_table("parameter_overrides")
