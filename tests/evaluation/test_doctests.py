"""The ``>>>`` examples of the evaluation engine run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from sidestream.evaluation import (
    document,
    economics,
    emissions,
    heat,
    pairs,
    parameters,
    transport,
    valuation,
)

MODULES = [document, economics, emissions, heat, pairs, parameters, transport, valuation]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
