"""The evaluation's input: one row per supply–demand pair with both sides' facts.

Built from a matching result (:class:`~sidestream.matching.engine.Matches`, read
duck-typed so that this engine does not import the matcher) or from a table of pairs
(``supply_id``, ``demand_id``, ``distance_km`` and optionally ``transport``) plus the
flow table they refer to.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sidestream.errors import InvalidDataError
from sidestream.i18n import N_

PAIR_COLUMNS = [
    "link_id", "supply_id", "demand_id", "category", "supply_class", "demand_class", "unit", "demand_unit",
    "supply_amount", "demand_amount", "supply_months", "demand_months", "supply_temp", "demand_temp",
    "hazardous", "transport", "distance_km", "supply_nace",
]  # fmt: skip

# How a pair travels when the pairs table does not say (the matcher's defaults).
DEFAULT_TRANSPORT = {
    "heat": "pipe", "steam": "pipe", "cooling": "pipe", "water": "pipe", "wastewater": "pipe", "gas": "pipe",
    "co2": "pipe", "electricity": "grid", "infrastructure": "none", "service": "none", "knowledge": "none",
}  # fmt: skip


def link_ids(supply_ids: pd.Series, demand_ids: pd.Series) -> pd.Series:
    """``supply→demand`` ids, stable across runs.

    >>> link_ids(pd.Series(["s1"]), pd.Series(["d2"])).tolist()
    ['s1→d2']
    """
    return supply_ids.astype(str) + "→" + demand_ids.astype(str)


def _side(flows: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return pd.DataFrame({
        f"{prefix}_id": flows["id"].astype(str).to_numpy(),
        f"{prefix}_category": flows["category"].astype(object).to_numpy(),
        f"{prefix}_class": flows["class_id"].astype(object).to_numpy(),
        f"{prefix}_unit": flows["annual_unit"].astype(object).to_numpy(),
        f"{prefix}_amount": pd.to_numeric(flows["annual_quantity"], errors="coerce").to_numpy(float),
        f"{prefix}_months": flows["months_mask"].astype("int64").to_numpy(),
        f"{prefix}_temp": pd.to_numeric(flows["temperature_c"], errors="coerce").to_numpy(float),
        f"{prefix}_hazardous": flows["hazardous"].fillna(False).astype(bool).to_numpy(),
        f"{prefix}_nace": (flows["nace"] if "nace" in flows else pd.Series("", index=flows.index))
        .astype(object).fillna("").astype(str).to_numpy(),
    })  # fmt: skip


def _assemble(table: pd.DataFrame, supplies: pd.DataFrame, demands: pd.DataFrame) -> pd.DataFrame:
    s = _side(supplies, "supply").drop_duplicates("supply_id")
    d = _side(demands, "demand").drop_duplicates("demand_id")
    merged = table.merge(s, on="supply_id", how="left").merge(d, on="demand_id", how="left")
    missing = merged["supply_category"].isna() & merged["supply_unit"].isna() & merged["supply_class"].isna()
    if missing.any():
        raise InvalidDataError(
            N_("no supply flow with id {flow_id!r}"), flow_id=merged.loc[missing, "supply_id"].iloc[0]
        )
    transport = merged["transport"] if "transport" in merged else pd.Series(np.nan, index=merged.index)
    default = merged["supply_category"].map(DEFAULT_TRANSPORT).fillna("road")
    out = pd.DataFrame({
        "link_id": link_ids(merged["supply_id"], merged["demand_id"]),
        "supply_id": merged["supply_id"].astype(str),
        "demand_id": merged["demand_id"].astype(str),
        "category": merged["supply_category"].astype(object),
        "supply_class": merged["supply_class"].astype(object),
        "demand_class": merged["demand_class"].astype(object),
        "unit": merged["supply_unit"].astype(object),
        "demand_unit": merged["demand_unit"].astype(object),
        "supply_amount": merged["supply_amount"].astype(float),
        "demand_amount": merged["demand_amount"].astype(float),
        "supply_months": merged["supply_months"].fillna(0xFFF).astype("int64"),
        "demand_months": merged["demand_months"].fillna(0xFFF).astype("int64"),
        "supply_temp": merged["supply_temp"].astype(float),
        "demand_temp": merged["demand_temp"].astype(float),
        "hazardous": merged["supply_hazardous"].fillna(False).astype(bool),
        "transport": transport.where(transport.notna(), default).astype(str),
        "distance_km": pd.to_numeric(merged["distance_km"], errors="coerce").astype(float),
        "supply_nace": merged["supply_nace"].astype(object).fillna(""),
    })  # fmt: skip
    return out.reset_index(drop=True)


def pairs_from_matches(matches: Any) -> pd.DataFrame:
    """The pair table of a :class:`~sidestream.matching.engine.Matches`."""
    pairs = matches.pairs
    supplies, demands = matches.supplies, matches.demands
    if len(pairs) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAIR_COLUMNS})
    s_pos = pairs["supply_pos"].to_numpy(np.intp)
    d_pos = pairs["demand_pos"].to_numpy(np.intp)
    codes = pairs["rule_code"].to_numpy(np.int64)
    categories = supplies["category"].astype(object).to_numpy()[s_pos]
    # One transport lookup per distinct (rule, category), not per pair.
    keys = pd.DataFrame({"code": codes, "category": categories})
    uniq = keys.drop_duplicates()
    compat = matches.engine.compat
    uniq["transport"] = [compat.transport(int(c), cat) for c, cat in uniq.itertuples(index=False, name=None)]
    transport = keys.merge(uniq, on=["code", "category"], how="left")["transport"].to_numpy()
    table = pd.DataFrame({
        "supply_id": supplies["id"].astype(str).to_numpy()[s_pos],
        "demand_id": demands["id"].astype(str).to_numpy()[d_pos],
        "distance_km": pairs["distance_km"].to_numpy(float),
        "transport": transport,
    })  # fmt: skip
    return _assemble(table, supplies, demands)


def prepared(flows: pd.DataFrame) -> pd.DataFrame:
    """Flows with ``class_id`` and ``months_mask``: classified with the default
    knowledge base when the frame is a plain flow table."""
    if "class_id" in flows and "months_mask" in flows and "annual_quantity" in flows:
        return flows
    from sidestream.knowledge.base import default_knowledge_base
    from sidestream.knowledge.classifier import Classifier
    from sidestream.matching.engine import as_frame
    from sidestream.matching.prepare import prepare_flows

    kb = default_knowledge_base()
    return prepare_flows(as_frame(flows), kb, Classifier(kb))


def pairs_from_table(table: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Pairs given as ``supply_id``, ``demand_id``, ``distance_km`` [, ``transport``]."""
    needed = {"supply_id", "demand_id", "distance_km"}
    if not needed <= set(table.columns):
        raise InvalidDataError(
            N_("the pairs table needs the columns {needed}"), needed=", ".join(sorted(needed))
        )
    flows = prepared(flows)
    columns = [c for c in ("supply_id", "demand_id", "distance_km", "transport") if c in table.columns]
    t = table[columns].copy()
    t["supply_id"] = t["supply_id"].astype(str)
    t["demand_id"] = t["demand_id"].astype(str)
    supplies = flows[flows["direction"] == "supply"]
    demands = flows[flows["direction"] == "demand"]
    return _assemble(t, supplies, demands)
