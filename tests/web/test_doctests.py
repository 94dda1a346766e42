"""The ``>>>`` examples of the web layer and the modules it added run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from sidestream import i18n
from sidestream.domain import unit_choices
from sidestream.mapping import sankey
from sidestream.web import filters, labels, security


@pytest.mark.parametrize(
    "module", [i18n, sankey, labels, security, filters, unit_choices], ids=lambda m: m.__name__
)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
