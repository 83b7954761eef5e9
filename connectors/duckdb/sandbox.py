"""DuckDB databases that run a tenant's SQL, locked down: no file system, no extensions, no
configuration changes. The engine, not a keyword list, is what holds: ``read_text``,
``read_csv``, ``ATTACH``, ``COPY``, ``INSTALL``/``LOAD`` and a quoted path as a table all fail
with a permission error. What Ductwork itself writes to files (a files target's part files) goes
through a separate in-memory database that never sees tenant SQL."""

from __future__ import annotations

import threading
from typing import Any

LOCKDOWN = (
    "SET TimeZone = 'UTC'",  # sessions in UTC; loads ICU while extensions still may load
    "SET enable_external_access = false",
    "SET autoload_known_extensions = false",
    "SET lock_configuration = true",
)


_LOCKING = threading.Lock()


def lock_down(database: Any) -> Any:
    """Lock ``database`` (a fresh duckdb connection) for tenant SQL; returns it. DuckDB shares
    one instance per file within a process: one already locked stays as it is."""
    with _LOCKING:  # steps in threads of one process may open the same file at once
        ((locked,),) = database.execute("SELECT current_setting('lock_configuration')").fetchall()
        if not locked:
            for statement in LOCKDOWN:
                database.execute(statement).fetchall()
    return database


def connect(path: str = ":memory:", *, read_only: bool = False) -> Any:
    """A locked-down database at ``path`` (in memory by default)."""
    import duckdb

    return lock_down(duckdb.connect(path, read_only=read_only))
