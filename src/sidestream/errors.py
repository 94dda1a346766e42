"""One base exception and typed subclasses.

Every error a user can trigger derives from :class:`SidestreamError` so that the CLI
(and later the API) can turn it into one clear line instead of a traceback. Messages
say what to do, not only what went wrong.
"""

from __future__ import annotations

from sidestream.i18n import DEFAULT_LANG, Message, translate


class SidestreamError(Exception):
    """Base class of every error Sidestream raises on purpose.

    The message is a :class:`~sidestream.i18n.Message` rendered late, so the web pages,
    the API and the CLI can show it in the reader's language::

        raise InvalidDataError(N_("cannot sort ideas by {key}: use one of {choices}"), key=k, choices=c)

    ``str(exc)`` (and ``exc.args[0]``) stay the English text, which logs, tests and
    clients that match on it rely on. A plain string without parameters is a message
    too: rendered as is, or translated when it is a msgid of the catalog.
    """

    message: Message

    def __init__(self, message: str | Message = "", /, **params: object) -> None:
        if isinstance(message, Message):
            self.message = Message(message.msgid, {**message.params, **params})
        else:
            self.message = Message(str(message), dict(params))
        super().__init__(self.render(DEFAULT_LANG))

    def render(self, lang: str = DEFAULT_LANG) -> str:
        """The message in ``lang`` (English when the catalog has no translation)."""
        if not self.message.params:  # plain text may hold braces: never formatted
            return translate(self.message.msgid, lang)
        return self.message.render(lang)

    def localise(self, lang: str) -> str:
        """The hook :class:`~sidestream.i18n.Message` uses for parameters: an error
        quoted in another error's message (``"ewc: {reason}"``) is rendered alike."""
        return self.render(lang)


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
        return str(self.args[0]) if self.args and self.args[0] else "unknown resource class"


class MatchingError(SidestreamError):
    """Matching cannot run on the given input (e.g. no supplies, bad parameters)."""


class StoreError(SidestreamError):
    """The database cannot be used as asked: not migrated, not empty for a restore, a
    backup file that cannot be read."""


class NotFoundError(SidestreamError, LookupError):
    """No such record — or one the viewer may not see: the two are reported alike so
    that an error never reveals that a confidential record exists."""


class PermissionDeniedError(SidestreamError):
    """The viewer may see the record but not do this to it."""


class ConflictError(SidestreamError):
    """The change clashes with what is stored (a duplicate name, a used key)."""


class StaleWriteError(ConflictError):
    """The record changed since the writer read it; reload and apply the change again."""


class InvalidDataError(SidestreamError, ValueError):
    """A value is well-formed but wrong for Sidestream (unknown EWC code, bad unit, a
    sort key that does not exist); the message says which value and what to use."""


class ReportError(SidestreamError):
    """A report cannot be rendered as asked (e.g. no browser to print the PDF)."""


class OptimisationError(SidestreamError):
    """The network optimisation cannot run as asked (bad link table, contradictory
    choices) or the solver gave up; the message says what to change."""


class InfeasibleError(OptimisationError):
    """No network satisfies the constraints — typically must-include links whose capex
    exceeds the budget, or a must-include link beyond the distance limit."""


class UnboundedError(OptimisationError):
    """The objective can grow without limit: a link without a finite quantity bound."""
