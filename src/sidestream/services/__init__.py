"""Use cases: each function takes a ``Session`` (and, where it matters, a ``Viewer``),
owns its transaction and its permission checks, and never imports api, web or cli.

Mutating services commit before they return (or roll back and raise); read services
apply the confidentiality policy of :mod:`sidestream.domain.visibility` in SQL.
"""
