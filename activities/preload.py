"""The data path's libraries, imported while the worker starts instead of by its first run.

ADBC's DB-API module imports pandas and pyarrow.dataset (about 0.4 s), DuckDB another 0.2 s:
imported lazily, the first run of each kind after a worker starts paid for them inside its
steps. ``preload`` runs in a thread beside the worker's start; a step that needs a module
still being imported waits for that import (Python's import lock), never imports it twice.
"""

from __future__ import annotations

import importlib
import time

from core.logging import get_logger

log = get_logger("ductwork.worker")

MODULES = (
    "adbc_driver_postgresql.dbapi",  # every Arrow ingest into PostgreSQL, PostgreSQL read as Arrow
    "duckdb",  # sinks staged in DuckDB, files targets
    "connectorx",  # MySQL, SQLite
    "pyarrow.parquet",
    "pyarrow.csv",
)


def preload(modules: tuple[str, ...] = MODULES) -> list[str]:
    """Import ``modules``; returns those that imported (a missing optional one is skipped)."""
    started = time.perf_counter()
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # missing or broken: the step that needs it reports it
            log.info("data-path module not preloaded", module=name, reason=str(exc))
            continue
        loaded.append(name)
    log.info("data-path modules preloaded", seconds=round(time.perf_counter() - started, 3))
    return loaded
