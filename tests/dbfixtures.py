"""Database fixtures shared by store, services and API tests (SQLite and PostgreSQL)."""
