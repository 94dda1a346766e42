"""Persistence: SQLAlchemy 2 typed ORM over SQLite (default) or PostgreSQL."""

# Registers the session events that stamp every write (store/versions.py), for every
# session of every engine, like a trigger would.
from sidestream.store import versions as versions
