"""Sidestream: industrial and industrial-urban symbiosis.

The package is layered (see docs/architecture.md): ``domain`` holds plain types,
``knowledge``, ``io`` and ``matching`` are engines that work on those types and on
columnar tables, and the CLI is a thin shell around them.
"""

__version__ = "0.1.0"
