"""The local store: SQLite in WAL mode through SQLAlchemy 2, migrated by Alembic."""

from .db import Database, StoreError

__all__ = ["Database", "StoreError"]
