"""A DuckDB database file, opened read-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import ConnectionSettings, ConnectorError, TerminalError, TransientError


@dataclass(frozen=True)
class DuckDBConfig:
    path: str

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> DuckDBConfig:
        return cls(path=settings.database)

    def open(self) -> Any:
        from connectors.duckdb import sandbox

        if not Path(self.path).is_file():
            raise TerminalError(
                f"database file {self.path!r} does not exist", error_type="DATABASE_NOT_FOUND"
            )
        try:
            return sandbox.connect(self.path, read_only=True)
        except Exception as exc:
            raise classify(exc) from exc


def classify(exc: BaseException) -> ConnectorError:
    if isinstance(exc, ConnectorError):
        return exc
    import duckdb

    text = str(exc)
    if isinstance(exc, duckdb.IOException) and "lock" in text.lower():
        # another process has the file open for writing: it may be done on a retry
        return TransientError(f"DuckDB: {text}", error_type="DATABASE_UNAVAILABLE")
    if isinstance(exc, duckdb.CatalogException):
        return TerminalError(f"DuckDB: {text}", error_type="TABLE_NOT_FOUND")
    if isinstance(exc, duckdb.BinderException) and "column" in text.lower():
        return TerminalError(f"DuckDB: {text}", error_type="COLUMN_NOT_FOUND")
    if isinstance(exc, duckdb.ParserException):
        return TerminalError(f"DuckDB: {text}", error_type="INVALID_SQL")
    if isinstance(exc, duckdb.Error):
        return TerminalError(f"DuckDB: {text}", error_type="DATABASE_ERROR")
    return TerminalError(f"{type(exc).__name__}: {text}", error_type="UNEXPECTED_ERROR")
