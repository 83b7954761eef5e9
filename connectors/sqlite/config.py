"""A SQLite database file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from connectors.base import ConnectionSettings, TerminalError, TransientError


@dataclass(frozen=True)
class SQLiteConfig:
    path: str
    busy_timeout_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: ConnectionSettings) -> SQLiteConfig:
        return cls(path=settings.database)

    def open(self) -> sqlite3.Connection:
        """A read-only connection (the file is never created or written)."""
        path = Path(self.path)
        if not path.is_file():
            raise TerminalError(
                f"database file {self.path!r} does not exist", error_type="DATABASE_NOT_FOUND"
            )
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.busy_timeout_s
            )
            conn.execute("SELECT count(*) FROM sqlite_master")  # fails here if not SQLite
        except sqlite3.Error as exc:
            raise classify(exc) from exc
        return conn


def classify(exc: BaseException) -> TerminalError | TransientError:
    if isinstance(exc, TerminalError | TransientError):
        return exc
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return TransientError(f"SQLite: {text}", error_type="DATABASE_UNAVAILABLE")
    if "no such table" in text:
        return TerminalError(f"SQLite: {text}", error_type="TABLE_NOT_FOUND")
    if "no such column" in text:
        return TerminalError(f"SQLite: {text}", error_type="COLUMN_NOT_FOUND")
    if "syntax error" in text:
        return TerminalError(f"SQLite: {text}", error_type="INVALID_SQL")
    if isinstance(exc, sqlite3.DatabaseError):
        return TerminalError(f"SQLite: {text}", error_type="DATABASE_ERROR")
    return TerminalError(f"{type(exc).__name__}: {text}", error_type="UNEXPECTED_ERROR")
