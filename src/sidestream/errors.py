"""One base exception and typed subclasses.

Every error a user can trigger derives from :class:`SidestreamError` so that the CLI
(and later the API) can turn it into one clear line instead of a traceback. Messages
say what to do, not only what went wrong.
"""

from __future__ import annotations


class SidestreamError(Exception):
    """Base class of every error Sidestream raises on purpose."""


class UnitError(SidestreamError, ValueError):
    """A quantity or unit could not be understood."""


class MonthsError(SidestreamError, ValueError):
    """A months-of-availability expression is malformed."""


class FlowTableError(SidestreamError):
    """A flow table cannot be read at all (empty, wrong format, no header)."""


class KnowledgeBaseError(SidestreamError):
    """A knowledge-base data file is invalid or references something unknown."""


class UnknownClassError(KnowledgeBaseError, KeyError):
    """A resource class id is not in the taxonomy."""

    def __str__(self) -> str:  # KeyError quotes its message; we want plain text
        return str(self.args[0]) if self.args else "unknown resource class"


class MatchingError(SidestreamError):
    """Matching cannot run on the given input (e.g. no supplies, bad parameters)."""
