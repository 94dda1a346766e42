"""What every CLI command prints as JSON: one shape, so that scripts can rely on it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sidestream.io import FlowTable


def print_json(data: Any) -> None:
    """Indented UTF-8 JSON on stdout (names stay readable: no ``\\u`` escapes); values
    JSON does not know — dates, paths, decimals — are written as their text."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def read_valid_table(path: Path) -> FlowTable:
    """The flow table at ``path``, refused as a whole when any row is invalid — matching,
    evaluating or mapping half a table would give answers that look complete. The error
    names the first problem and points to ``sidestream validate`` for the rest."""
    from sidestream.errors import FlowTableError
    from sidestream.i18n import N_
    from sidestream.io import read_flow_table

    table = read_flow_table(path)
    if not table.ok:
        first = table.errors[0]
        raise FlowTableError(
            N_(
                "{path} has {length} problem(s); first: {where}{column} {message}. Run "
                "`sidestream validate {file}` for all of them."
            ),
            path=path.name,
            length=len(table.errors),
            where=f"row {first.row} " if first.row is not None else "",
            column=first.column or "",
            message=first.message,
            file=path,
        )
    return table
