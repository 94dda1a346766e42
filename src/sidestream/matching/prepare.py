"""Step 1 — classify every flow to a resource class and fill in what can be inferred.

Works per unique (text, EWC, NACE, category, direction): regions repeat the same
resource names many times, so classification cost grows with the vocabulary, not
with the number of flows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sidestream.domain.categories import Category
from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.classifier import BAND_IDS, HEAT_BANDS, Classifier
from sidestream.matching.compatibility import DRINKING_WATER_CLASSES, POTABLE_SOURCE_CLASSES


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _row_codes(frame: pd.DataFrame, keys: list[str]) -> tuple[NDArray[np.intp], list[tuple[object, ...]]]:
    """One integer per row identifying its combination of ``keys`` values, and the
    distinct combinations (missing values as None), in order of first appearance."""
    combined = np.zeros(len(frame), dtype=np.int64)
    uniques: list[NDArray[Any]] = []
    codes: list[NDArray[np.intp]] = []
    for key in keys:
        code, values = pd.factorize(frame[key], use_na_sentinel=True)
        codes.append(code)
        uniques.append(np.asarray(values, dtype=object))
        # Re-factorise after each column so the combined code never overflows.
        combined = pd.factorize(combined * (len(values) + 1) + (code + 1))[0].astype(np.int64)
    first = np.unique(combined, return_index=True)[1]
    first = first[np.argsort(combined[first], kind="stable")]
    rows = [
        tuple(None if codes[j][i] < 0 else uniques[j][codes[j][i]] for j in range(len(keys))) for i in first
    ]
    return combined.astype(np.intp), rows


def _band_by_temperature(row_class: NDArray[Any], temperature_c: NDArray[np.float64]) -> NDArray[Any]:
    """Heat-band classes moved to the band of the row's stated temperature.

    The classifier places heat in a band from a temperature written in the text; a
    temperature given in its own column ("Spillvärme från stålverket", 90 °C) says
    the same and must place it too, or a 90 °C surplus would be filed as 40–60 °C heat.
    """
    out = row_class.copy()
    stated = np.isfinite(temperature_c)
    if not stated.any():
        return out
    bands = np.array([cid in BAND_IDS for cid in row_class], dtype=bool) & stated
    lowers = np.array([lower for lower, _ in HEAT_BANDS])
    ids = np.array([cid for _, cid in HEAT_BANDS], dtype=object)
    # The band with the largest lower bound not above the temperature (as heat_band).
    which = np.searchsorted(lowers, temperature_c[bands], side="right") - 1
    out[bands] = ids.take(np.maximum(which, 0))
    return out


def _potability(
    frame: pd.DataFrame, kb: KnowledgeBase, classifier: Classifier
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per row: does the flow end in drinking water (``potable_use``), and may it feed
    a drinking-water intake (``potable_source``)?

    Both read the resource text *and* the notes, anywhere in them: a safety exclusion
    must not depend on which word the classifier chose as the head ("raw water for
    drinking-water production" is classified as raw surface water; "used cooling
    water from the canal, brackish" as cooling water). A supply is a potable source
    only if its class is a raw-water source and nothing in its text names a water
    that is not (cooling water, brackish or seawater, effluent, blowdown …). Erring
    towards exclusion is the safe side here; notes never make a pair possible.
    """
    water_like = {Category.WATER, Category.WASTEWATER, Category.COOLING}
    non_potable_named = frozenset(
        cid
        for cid, rc in kb.classes.items()
        if rc.category in water_like and cid not in POTABLE_SOURCE_CLASSES
    )

    # Only a flow *of water* is an intake; "fluoride for drinking-water fluoridation"
    # is a treatment chemical.
    water_classes = frozenset(cid for cid, rc in kb.classes.items() if rc.category == Category.WATER)

    def flags(column: str) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Per row: the column names drinking water / names a non-potable water
        (computed once per distinct text)."""
        if column not in frame:
            return np.zeros(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool)
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        named = [classifier.mentioned_classes(str(u)) for u in uniques]
        drinking = np.array([not DRINKING_WATER_CLASSES.isdisjoint(n) for n in named] + [False])
        unfit = np.array([not non_potable_named.isdisjoint(n) for n in named] + [False])
        return drinking.take(codes), unfit.take(codes)  # code −1 takes the trailing False

    text_drinking, text_unfit = flags("resource")
    notes_drinking, notes_unfit = flags("notes")
    class_ids = frame["class_id"]
    use = class_ids.isin(DRINKING_WATER_CLASSES).to_numpy() | (
        class_ids.isin(water_classes).to_numpy() & (text_drinking | notes_drinking)
    )
    source = class_ids.isin(POTABLE_SOURCE_CLASSES).to_numpy() & ~(text_unfit | notes_unfit)
    return use, source


def prepare_flows(frame: pd.DataFrame, kb: KnowledgeBase, classifier: Classifier) -> pd.DataFrame:
    """Add ``class_id``, ``class_confidence``, ``category`` (inferred when missing),
    ``temperature_c`` (from the text when missing), ``hazardous``, ``potable_use`` and
    ``potable_source``."""
    out = frame.copy(deep=False)  # new columns only; copy-on-write keeps ``frame`` intact
    keys = ["resource", "ewc", "nace", "category", "direction"]
    row_code, distinct = _row_codes(out, keys)
    results = [
        classifier.classify(
            str(resource), ewc=_opt(ewc), nace=_opt(nace), category=_opt(cat), direction=_opt(direction)
        )
        for resource, ewc, nace, cat, direction in distinct
    ]
    class_id = np.array([c.class_id for c in results], dtype=object)
    row_class = class_id.take(row_code) if len(results) else np.array([], dtype=object)
    out["class_confidence"] = np.array([c.confidence for c in results], dtype=float).take(row_code)
    text_temp = np.array(
        [np.nan if c.temperature_c is None else c.temperature_c for c in results], dtype=float
    )
    explicit_temp = pd.to_numeric(out["temperature_c"], errors="coerce")
    out["temperature_c"] = explicit_temp.fillna(pd.Series(text_temp.take(row_code), index=out.index))
    out["class_id"] = _band_by_temperature(row_class, explicit_temp.to_numpy(dtype=float))
    inferred = np.array([c.category.value if c.category else None for c in results], dtype=object)
    category = out["category"].astype(object)
    out["category_inferred"] = category.isna().to_numpy()
    out["category"] = category.where(category.notna(), inferred.take(row_code))
    out["potable_use"], out["potable_source"] = _potability(out, kb, classifier)
    hazard_of = {cid: rc.hazardous for cid, rc in kb.classes.items()}
    class_hazard = np.array([bool(hazard_of.get(c) or False) for c in class_id], dtype=bool).take(row_code)
    if "hazardous" in out:
        # The EWC entry (True/False) is more specific than the class default (None).
        stated = out["hazardous"].map({True: 1, False: 0}).fillna(-1).to_numpy()
        out["hazardous"] = np.where(stated >= 0, stated == 1, class_hazard).astype(bool)
    else:
        out["hazardous"] = class_hazard.astype(bool)
    return out
