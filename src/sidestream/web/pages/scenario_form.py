"""The network page's "new scenario" form: start from a preset
(:data:`sidestream.optimise.scenarios.PRESETS`), edit its factors, pick the objective
and the optimiser's limits. Reading the form gives a :class:`ScenarioSpec` or the
errors by field; nothing is saved here (``services/scenarios.py`` does that).

The factor fields are every factor key of the presets, filled with the chosen preset's
values (1 where it changes nothing). Choosing another preset swaps them with htmx;
without JavaScript the hidden ``factors_for`` says which preset the fields were filled
for, and a post for another preset takes that preset's own factors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from sidestream.i18n import N_, format_number, translate
from sidestream.optimise.network import Objective, OptimiseParams
from sidestream.optimise.scenarios import PRESETS, ScenarioSpec
from sidestream.web.pages.flows import Option

GENERAL = "_"
PRESET_LABELS = {
    "baseline": N_("Baseline: the region as it is"),
    "energy-scarcity": N_("Energy scarcity"),
    "landfill-tax-up": N_("Landfill tax up"),
}
# The presets' descriptions (English in PRESETS), to fill the description field in the
# reader's language.
PRESET_DESCRIPTIONS = {
    "baseline": N_("the region as it is"),
    "energy-scarcity": N_("energy scarcity: electricity price ×2, heat and gas prices ×1.5"),
    "landfill-tax-up": N_("landfill tax and gate fee up by half"),
}
OBJECTIVE_LABELS = {
    Objective.NET_BENEFIT: N_("Net benefit (EUR per year)"),
    Objective.CO2E: N_("CO2e avoided (t per year)"),
    Objective.MIX: N_("A mix of both, weighted"),
}
FACTOR_LABELS = {
    "price.electricity": N_("Electricity price"),
    "price.heat": N_("Heat price"),
    "price.natural_gas": N_("Natural gas price"),
    "tax.landfill": N_("Landfill tax"),
    "gate_fee.landfill": N_("Landfill gate fee"),
}
FIELD_MESSAGES = {
    "preset": N_("Choose one of the presets."),
    "objective": N_("Choose what the network maximises."),
    "weight": N_("The weight is a number from 0 to 1."),
    "budget_eur": N_("The budget is an amount in EUR, zero or more; leave it empty for no limit."),
    "max_distance_km": N_("The distance is a number of km, zero or more; leave it empty for no limit."),
    "factor": N_("A factor is a number, zero or more (1 changes nothing)."),
    "name": N_("Give the scenario a name of at most 120 characters."),
    "description": N_("Keep the description under 500 characters."),
}
MAX_NAME, MAX_DESCRIPTION = 120, 500
NAME_NEEDED = N_("a scenario needs a name")  # the service's words
TEXT_FIELDS = ("name", "preset", "description", "objective", "weight", "budget_eur", "max_distance_km")
FACTOR_KEYS = list(dict.fromkeys(key for spec in PRESETS.values() for key in spec.factors))


class FactorField(BaseModel):
    key: str  # the parameter key, e.g. price.electricity
    name: str  # the form field: factor.<key>
    label: str
    value: str
    error: str | None = None


class ScenarioForm(BaseModel):
    action: str
    presets: list[Option]
    objectives: list[Option]
    factors: list[FactorField]
    factors_for: str  # the preset whose factors fill the fields
    values: dict[str, str]
    errors: dict[str, str]


def _number(value: float, lang: str) -> str:
    return format_number(value, lang, 2).rstrip("0").rstrip(",.") if value != int(value) else str(int(value))


def factor_fields(preset: str, lang: str, submitted: dict[str, str] | None = None) -> list[FactorField]:
    """The factor inputs, filled from ``submitted`` (a form sent back) or the preset."""
    spec = PRESETS.get(preset, PRESETS["baseline"])
    out = []
    for key in FACTOR_KEYS:
        name = f"factor.{key}"
        value = submitted[name] if submitted is not None and name in submitted else _number(
            spec.factors.get(key, 1.0), lang
        )  # fmt: skip
        label = translate(FACTOR_LABELS[key], lang) if key in FACTOR_LABELS else key
        out.append(FactorField(key=key, name=name, label=label, value=value))
    return out


def scenario_form(
    slug: str, lang: str, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> ScenarioForm:
    """The form, empty (the baseline preset) or as posted with its errors."""
    values = dict(values or {})
    preset = values.get("preset") if values.get("preset") in PRESETS else "baseline"
    assert preset is not None
    values["preset"] = preset
    values.setdefault("description", translate(PRESET_DESCRIPTIONS.get(preset, ""), lang))
    values.setdefault("objective", Objective.NET_BENEFIT.value)
    values.setdefault("weight", "0.5")
    errors = errors or {}
    factors = factor_fields(preset, lang, values if values.get("factors_for") == preset else None)
    for field in factors:
        field.error = errors.get(field.name)
    return ScenarioForm(
        action=f"/regions/{slug}/network/scenarios",
        presets=[Option(value=k, label=translate(PRESET_LABELS.get(k, k), lang)) for k in PRESETS],
        objectives=[Option(value=o.value, label=translate(OBJECTIVE_LABELS[o], lang)) for o in Objective],
        factors=factors, factors_for=preset, values=values, errors=errors,
    )  # fmt: skip


def _parse_number(text: str) -> float:
    """A number as people type it: ``1 000 000``, ``1,5`` or ``1.5``; ValueError otherwise."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def read_form(fields: dict[str, str], lang: str) -> tuple[ScenarioSpec | None, dict[str, str]]:
    """The scenario the form describes, or None and the errors by field (translated)."""
    errors: dict[str, str] = {}

    def number(name: str, *, optional: bool, low: float = 0.0, high: float | None = None) -> float | None:
        text = fields.get(name, "").strip()
        if optional and not text:
            return None
        try:
            value = _parse_number(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            errors[name] = translate(FIELD_MESSAGES["factor" if name.startswith("factor.") else name], lang)
            return None
        return value

    if not fields.get("name", "").strip():
        errors["name"] = translate(NAME_NEEDED, lang)
    elif len(fields.get("name", "").strip()) > MAX_NAME:
        errors["name"] = translate(FIELD_MESSAGES["name"], lang)
    if len(fields.get("description", "")) > MAX_DESCRIPTION:
        errors["description"] = translate(FIELD_MESSAGES["description"], lang)
    preset = fields.get("preset", "")
    if preset not in PRESETS:
        errors["preset"] = translate(FIELD_MESSAGES["preset"], lang)
    objective = fields.get("objective", "")
    if objective not in {o.value for o in Objective}:
        errors["objective"] = translate(FIELD_MESSAGES["objective"], lang)
    weight = number("weight", optional=True, high=1.0) if objective == Objective.MIX.value else None
    budget = number("budget_eur", optional=True)
    distance = number("max_distance_km", optional=True)
    factors: dict[str, float] = {}
    description = fields.get("description", "").strip()
    if preset in PRESETS and fields.get("factors_for") != preset:
        # The fields were filled for another preset (no JavaScript): this one's own.
        factors = dict(PRESETS[preset].factors)
        description = translate(PRESET_DESCRIPTIONS.get(preset, ""), lang)
    else:
        for key in FACTOR_KEYS:
            value = number(f"factor.{key}", optional=True)
            if value is not None and value != 1.0:
                factors[key] = value
    if errors:
        return None, errors
    choices: dict[str, Any] = {"objective": objective, "budget_eur": budget, "max_distance_km": distance}
    if weight is not None:
        choices["weight"] = weight
    try:
        optimise = OptimiseParams(**choices)
    except ValidationError as exc:
        name = str(exc.errors()[0]["loc"][0]) if exc.errors()[0].get("loc") else GENERAL
        return None, {name: translate(FIELD_MESSAGES.get(name, FIELD_MESSAGES["objective"]), lang)}
    spec = PRESETS[preset].model_copy(
        update={"description": description, "factors": factors, "optimise": optimise}
    )
    return ScenarioSpec.model_validate(spec.model_dump()), {}


def posted_values(fields: dict[str, str]) -> dict[str, str]:
    """What to show again in the fields of a form sent back with errors."""
    names = (*TEXT_FIELDS, "factors_for", *(f"factor.{key}" for key in FACTOR_KEYS))
    return {name: fields.get(name, "") for name in names}
