"""Kinds of a saved synergy: its statuses, defined once (STYLE §4)."""

from __future__ import annotations

from enum import StrEnum


class SynergyStatus(StrEnum):
    """Where a saved match stands, from first look to a decision."""

    PROPOSED = "proposed"
    CONTACTED = "contacted"
    EVALUATING = "evaluating"
    AGREED = "agreed"
    DECLINED = "declined"
