"""What every CLI command prints as JSON: one shape, so that scripts can rely on it."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(data: Any) -> None:
    """Indented UTF-8 JSON on stdout (names stay readable: no ``\\u`` escapes); values
    JSON does not know — dates, paths, decimals — are written as their text."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
