"""Facilitation: the human process around symbiosis (DESIGN §5).

The pure parts live here — case stages and their transitions, the fixed list of
barriers, readiness criteria, benefit metrics, the best-case catalogue, funding
programmes and benchmarking indicators computed on tables. They import nothing from
``store``, ``services``, ``api``, ``web`` or ``cli`` and work in a notebook.
"""
