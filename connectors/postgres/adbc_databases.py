"""ADBC PostgreSQL connections on databases this process keeps open, one per server address.

Opening an ADBC PostgreSQL database reads the server's type catalog (40-80 ms on a small
server); a connection on an open database takes a few milliseconds. Each read and bulk load
opens its own connection (and closes it), on the database kept for its libpq URI: the last
``KEPT`` URIs used. A kept database holds no server session, only that catalog; the values
Ductwork reads and writes through ADBC are of built-in types, whose identifiers never change.
The URI holds the password: it stays in memory here and is never logged.

Sharing a database relies on ``adbc_driver_manager.dbapi._SharedDatabase`` (1.13): a release
without it falls back to a database per connection (slower to open, the same results).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

KEPT = 8
_DATABASES: OrderedDict[str, Any] = OrderedDict()  # URI -> adbc_driver_manager's shared database
_LOCK = threading.Lock()


def connect(uri: str) -> Any:
    """A new DB-API connection (``adbc_driver_manager.dbapi.Connection``) to ``uri``."""
    import adbc_driver_manager
    import adbc_driver_manager.dbapi as dbapi
    import adbc_driver_postgresql
    import adbc_driver_postgresql.dbapi

    shared_database = _shared_database_class()
    if shared_database is None:  # a driver release without it: a database each
        return adbc_driver_postgresql.dbapi.connect(uri)
    shared = _kept(uri)
    if shared is None:
        opened = shared_database(adbc_driver_postgresql.connect(uri))
        shared = _keep(uri, opened)
    conn = adbc_driver_manager.AdbcConnection(shared._db)
    try:
        return dbapi.Connection(shared, conn)  # holds the database until it closes
    except BaseException:
        conn.close()
        raise


def _shared_database_class() -> Any:
    """The driver manager's shared database class, or None in a release without it."""
    import adbc_driver_manager.dbapi as dbapi

    return getattr(dbapi, "_SharedDatabase", None)


def _kept(uri: str) -> Any:
    with _LOCK:
        shared = _DATABASES.get(uri)
        if shared is not None:
            _DATABASES.move_to_end(uri)
        return shared


def _keep(uri: str, opened: Any) -> Any:
    """Keep ``opened`` for ``uri`` unless another thread kept one first; the database kept."""
    with _LOCK:
        kept = _DATABASES.get(uri)
        if kept is None:
            _DATABASES[uri] = kept = opened
            opened = None
        evicted = []
        while len(_DATABASES) > KEPT:
            evicted.append(_DATABASES.popitem(last=False)[1])
    for database in [opened, *evicted]:
        if database is not None:
            database.close()  # the last connection on it closes it
    return kept
