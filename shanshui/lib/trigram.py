"""Trigram (pg_trgm) indexes for infix search of Chinese text on PostgreSQL, for migrations.

``LIKE '%…%'`` searches of three or more characters use such an index. Without the right to
create the extension, the index is left out and the search still works, scanning the table.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def create_trigram_index(schema_editor, *, name: str, table: str, column: str) -> bool:
    """Create the GIN trigram index ``name`` on ``table``.``column``; False if pg_trgm cannot
    be had (or the database is not PostgreSQL)."""
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no privilege: leave the search unindexed
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            log.warning("pg_trgm is not available; searches of %s will scan the table", table)
            return False
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )
    return True


def drop_index(schema_editor, name: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
