"""The ``>>>`` examples of the mapping engines run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from sidestream.mapping import hubs, places, potential, sankey, svgmap


@pytest.mark.parametrize("module", [hubs, places, potential, sankey, svgmap], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
