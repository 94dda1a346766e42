"""Matchmaking: find, score and explain the synergies in a region (DESIGN §3)."""

from sidestream.matching.engine import Engine, Matches, match
from sidestream.matching.params import MatchParams

__all__ = ["Engine", "MatchParams", "Matches", "match"]
