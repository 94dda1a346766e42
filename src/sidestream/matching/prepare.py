"""Step 1 — classify every flow to a resource class and fill in what can be inferred.

Works per unique (text, EWC, NACE, category, direction): regions repeat the same
resource names many times, so classification cost grows with the vocabulary, not
with the number of flows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.classifier import Classifier


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def prepare_flows(frame: pd.DataFrame, kb: KnowledgeBase, classifier: Classifier) -> pd.DataFrame:
    """Add ``class_id``, ``class_confidence``, ``category`` (inferred when missing),
    ``temperature_c`` (from the text when missing) and ``hazardous``."""
    out = frame.copy()
    keys = ["resource", "ewc", "nace", "category", "direction"]
    sub = out[keys].astype(object).where(out[keys].notna(), None)
    uniq = sub.drop_duplicates()
    results = [
        classifier.classify(
            str(resource), ewc=_opt(ewc), nace=_opt(nace), category=_opt(cat), direction=_opt(direction)
        )
        for resource, ewc, nace, cat, direction in uniq.itertuples(index=False, name=None)
    ]
    table = uniq.copy()
    table["class_id"] = [c.class_id for c in results]
    table["class_confidence"] = [c.confidence for c in results]
    table["text_temperature_c"] = [c.temperature_c for c in results]
    table["inferred_category"] = [c.category.value if c.category else None for c in results]
    merged = sub.merge(table, on=keys, how="left")
    out["class_id"] = merged["class_id"].to_numpy()
    out["class_confidence"] = merged["class_confidence"].astype(float).to_numpy()
    explicit_temp = pd.to_numeric(out["temperature_c"], errors="coerce")
    out["temperature_c"] = explicit_temp.fillna(
        pd.to_numeric(merged["text_temperature_c"], errors="coerce").set_axis(out.index)
    )
    category = out["category"].astype(object)
    out["category_inferred"] = category.isna().to_numpy()
    out["category"] = category.where(category.notna(), merged["inferred_category"].to_numpy())
    hazard_of = {cid: rc.hazardous for cid, rc in kb.classes.items()}
    class_hazard = out["class_id"].map(hazard_of).fillna(False).astype(bool)
    if "hazardous" in out:
        # The EWC entry (True/False) is more specific than the class default (None).
        stated = out["hazardous"].map({True: 1, False: 0}).fillna(-1).to_numpy()
        out["hazardous"] = np.where(stated >= 0, stated == 1, class_hazard).astype(bool)
    else:
        out["hazardous"] = class_hazard.astype(bool)
    return out
