"""The ``>>>`` examples of the API and its services run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from sidestream.api import deps
from sidestream.services import accounts, matching


@pytest.mark.parametrize("module", [deps, accounts, matching], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
