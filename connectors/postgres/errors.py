"""Classify asyncpg and socket errors as terminal or transient."""

from __future__ import annotations

import asyncpg

from connectors.base import ConnectorError, TerminalError, TransientError, unreachable

# SQLSTATE classes where a retry can succeed: connection exceptions, transaction rollbacks
# (serialization failures, deadlocks), insufficient resources, operator intervention, system errors.
_TRANSIENT_CLASSES = {"08", "40", "53", "57", "58"}

_TERMINAL_TYPES = {
    "28": "AUTHENTICATION_FAILED",
    "3D": "DATABASE_NOT_FOUND",
    "42": "INVALID_SQL",
    "22": "DATA_ERROR",
    "23": "CONSTRAINT_VIOLATION",
    "2B": "DEPENDENT_OBJECTS",
}


def classify(exc: BaseException) -> ConnectorError:
    """Turn a driver or network exception into a Terminal or Transient error."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, asyncpg.PostgresError):
        return classify_sqlstate(getattr(exc, "sqlstate", None) or "", _message(exc))
    if isinstance(
        exc,
        asyncpg.InterfaceError
        | asyncpg.exceptions._base.InternalClientError
        | ConnectionError
        | TimeoutError
        | OSError,
    ):
        return TransientError(unreachable("PostgreSQL"), error_type="CONNECTION_FAILED")
    # Not a database or network error: a bug, and retrying would repeat it.
    return TerminalError(f"{type(exc).__name__}: {exc}", error_type="UNEXPECTED_ERROR")


def classify_sqlstate(sqlstate: str, message: str) -> ConnectorError:
    """An error the server reported with ``sqlstate``, whichever driver carried it."""
    if sqlstate[:2] in _TRANSIENT_CLASSES:
        return TransientError(message, error_type="DATABASE_UNAVAILABLE")
    if sqlstate == "42P01":
        return TerminalError(message, error_type="TABLE_NOT_FOUND")
    if sqlstate == "42703":
        return TerminalError(message, error_type="COLUMN_NOT_FOUND")
    return TerminalError(message, error_type=_TERMINAL_TYPES.get(sqlstate[:2], "DATABASE_ERROR"))


def _message(exc: asyncpg.PostgresError) -> str:
    text = exc.args[0] if exc.args else str(exc)
    detail = getattr(exc, "detail", None)
    hint = getattr(exc, "hint", None)
    return " ".join(part for part in (str(text), detail, hint and f"Hint: {hint}") if part)
