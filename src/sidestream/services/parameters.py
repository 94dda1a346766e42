"""Evaluation parameters of a region and of a saved synergy: read, and (facilitators
only) replace — validated by the engine before anything is written, audited, one
transaction.

The effective set is the packaged defaults, then the region's country grid
(``regions.country``, when it is one the file knows), then the region's overrides,
then (for one synergy) the synergy's. Each value remembers which of those it came
from, so results can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import InvalidDataError
from sidestream.evaluation.parameters import GRIDS, Origin, Parameters, default_parameters
from sidestream.i18n import N_
from sidestream.services import audit
from sidestream.services.accounts import require_role
from sidestream.store.models import ParameterOverride, Region, Synergy

MAX_OVERRIDES = 200


def _rows(session: Session, region: Region, synergy: Synergy | None) -> list[ParameterOverride]:
    where = [ParameterOverride.region_id == region.id]
    where.append(
        ParameterOverride.synergy_id == synergy.id
        if synergy is not None
        else ParameterOverride.synergy_id.is_(None)
    )
    return list(session.scalars(select(ParameterOverride).where(*where).order_by(ParameterOverride.key)))


def overrides_of(
    session: Session, region: Region, synergy: Synergy | None = None
) -> dict[str, dict[str, Any]]:
    """The stored overrides (region-level, or of one synergy) as ``{key: {value, unit, note}}``."""
    out: dict[str, dict[str, Any]] = {}
    for row in _rows(session, region, synergy):
        value: float | str | None = row.text_value if row.text_value is not None else row.value
        item: dict[str, Any] = {"value": value, "note": row.note}
        if row.text_value is None:
            item["unit"] = row.unit
        out[row.key] = item
    return out


def region_parameters(session: Session, region: Region) -> Parameters:
    """Defaults, the region's grid, then the region's overrides."""
    params = default_parameters()
    country = (region.country or "").upper()
    if country in GRIDS:
        params = params.with_overrides({"grid.country": country}, "region")
    return params.with_overrides(overrides_of(session, region), "region")


def synergy_parameters(session: Session, region: Region, synergy: Synergy) -> Parameters:
    """The region's parameters, then the synergy's own overrides."""
    return region_parameters(session, region).with_overrides(
        overrides_of(session, region, synergy), "synergy"
    )


def _normalise(overrides: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    if len(overrides) > MAX_OVERRIDES:
        raise InvalidDataError(N_("at most {max_overrides} overrides"), max_overrides=MAX_OVERRIDES)
    out: dict[str, dict[str, Any]] = {}
    for key, raw in overrides.items():
        spec = dict(raw) if isinstance(raw, Mapping) else {"value": raw}
        out[str(key)] = spec
    return out


def replace_overrides(
    session: Session,
    region: Region,
    viewer: Viewer,
    overrides: Mapping[str, Any],
    synergy: Synergy | None = None,
) -> Parameters:
    """Replace the region's (or the synergy's) overrides with ``overrides``. Commits.

    Facilitators and admins of the region only. Every override is checked by the
    engine first (unknown key, wrong dimension, choice not offered): a bad one is an
    ``InvalidDataError`` naming it, and nothing is written.
    """
    require_role(viewer, Role.FACILITATOR, N_("change evaluation parameters"))
    specs = _normalise(overrides)
    base = region_parameters(session, region) if synergy is not None else default_parameters()
    origin: Origin = "synergy" if synergy is not None else "region"
    checked = base.with_overrides(specs, origin)  # raises before any write
    before = overrides_of(session, region, synergy)
    session.execute(
        delete(ParameterOverride).where(
            ParameterOverride.region_id == region.id,
            ParameterOverride.synergy_id == synergy.id
            if synergy is not None
            else ParameterOverride.synergy_id.is_(None),
        )
    )
    for key, spec in sorted(specs.items()):
        item = checked.items[key]
        text = item.value if isinstance(item.value, str) else None
        session.add(
            ParameterOverride(
                region_id=region.id,
                synergy_id=synergy.id if synergy is not None else None,
                key=key,
                value=None if text is not None else float(item.given_value),
                text_value=text,
                unit="" if text is not None else item.given_unit,
                note=str(spec.get("note") or "")[:2000],
                updated_by=viewer.user_id,
            )
        )
    after = overrides_of_specs(checked, specs)
    audit.record(
        session, action="update", entity="synergy_parameters" if synergy is not None else "region_parameters",
        entity_id=synergy.id if synergy is not None else region.id, region_id=region.id,
        user_id=viewer.user_id, before={"overrides": before}, after={"overrides": after},
    )  # fmt: skip
    session.commit()
    return (
        synergy_parameters(session, region, synergy)
        if synergy is not None
        else region_parameters(session, region)
    )


def overrides_of_specs(params: Parameters, specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(specs):
        item = params.items[key]
        if isinstance(item.value, str):
            out[key] = {"value": item.value, "note": str(specs[key].get("note") or "")}
        else:
            out[key] = {
                "value": item.given_value,
                "unit": item.given_unit,
                "note": str(specs[key].get("note") or ""),
            }
    return out
