"""What an anonymous visitor must never find in anything the pages send."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.web.conftest import Demo


def leaks(demo: Demo, body: str) -> list[str]:
    """The non-public flows of the demo region that ``body`` gives away: by key
    (``hel-007``) or by their own resource text (unless a public flow has the same)."""
    public_texts = {f["resource"] for f in demo.public()}
    found = []
    for flow in demo.hidden_from_anonymous():
        if re.search(rf"(?<![\w-]){re.escape(flow['key'])}(?![\w-])", body):
            found.append(f"{flow['key']} (key)")
            continue
        text = flow["resource"]
        if text in public_texts or len(text) < 12:
            continue
        forms = {text, html.escape(text), html.escape(text, quote=False), json.dumps(text)[1:-1]}
        if any(form in body for form in forms):
            found.append(f"{flow['key']} ({text!r})")
    return found


def world_leaks(world: Any, role: str, body: str) -> list[str]:
    """The markers (keys and notes) of the confidential world's flows that ``role``
    may not see and that ``body`` gives away (``tests/api/world.py``)."""
    return [m for m in world.hidden_markers(role) if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", body)]


def leaks_to_viewer(demo: Demo, body: str) -> list[str]:
    """Like :func:`leaks`, for a logged-in viewer of the demo region (no organisation):
    facilitator-level and private flows must never show."""
    hidden = [f for f in demo.flows if f["visibility"] in ("facilitator", "private")]
    shown_texts = {f["resource"] for f in demo.flows if f["visibility"] in ("public", "network")}
    found = []
    for flow in hidden:
        if re.search(rf"(?<![\w-]){re.escape(flow['key'])}(?![\w-])", body):
            found.append(f"{flow['key']} (key)")
            continue
        text = flow["resource"]
        if text in shown_texts or len(text) < 12:
            continue
        if any(form in body for form in {text, html.escape(text), html.escape(text, quote=False)}):
            found.append(f"{flow['key']} ({text!r})")
    return found
