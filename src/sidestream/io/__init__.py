"""Reading, validating and writing flow tables (DESIGN §2)."""

from sidestream.io.flow_table import (
    COLUMNS,
    FlowTable,
    Problem,
    read_flow_table,
    write_flow_table,
)

__all__ = ["COLUMNS", "FlowTable", "Problem", "read_flow_table", "write_flow_table"]
