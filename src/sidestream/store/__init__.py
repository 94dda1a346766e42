"""Persistence: SQLAlchemy 2 typed ORM over SQLite (default) or PostgreSQL."""
