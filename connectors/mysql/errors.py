"""Classify asyncmy, connectorx and socket errors as terminal or transient."""

from __future__ import annotations

from connectors.base import ConnectorError, TerminalError, TransientError, unreachable

# Server and client error codes where a retry can succeed: too many connections, lock wait
# timeout, deadlock, server gone away or lost, cannot connect.
_TRANSIENT = {1040, 1053, 1205, 1213, 2002, 2003, 2006, 2013, 2055}
_UNREACHABLE = {2002, 2003, 2013, 2055}  # cannot connect, lost: the address never told apart
_TERMINAL = {
    1044: "AUTHENTICATION_FAILED",
    1045: "AUTHENTICATION_FAILED",
    1049: "DATABASE_NOT_FOUND",
    1054: "COLUMN_NOT_FOUND",
    1064: "INVALID_SQL",
    1142: "PERMISSION_DENIED",
    1143: "PERMISSION_DENIED",
    1146: "TABLE_NOT_FOUND",
}


def classify(exc: BaseException) -> ConnectorError:
    """Turn a driver or network exception into a Terminal or Transient error."""
    if isinstance(exc, ConnectorError):
        return exc
    import asyncmy.errors

    if isinstance(exc, asyncmy.errors.Error) and exc.args and isinstance(exc.args[0], int):
        code, message = exc.args[0], str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        text = f"MySQL error {code}: {message}"
        if code in _UNREACHABLE:
            return TransientError(unreachable("MySQL"), error_type="CONNECTION_FAILED")
        if code in _TRANSIENT:
            return TransientError(text, error_type="CONNECTION_FAILED")
        return TerminalError(text, error_type=_TERMINAL.get(code, "DATABASE_ERROR"))
    if isinstance(exc, ConnectionError | TimeoutError | OSError):
        return TransientError(unreachable("MySQL"), error_type="CONNECTION_FAILED")
    if type(exc).__name__ == "PanicException" or isinstance(exc, RuntimeError):
        return _connectorx(exc)
    return TerminalError(f"{type(exc).__name__}: {exc}", error_type="UNEXPECTED_ERROR")


def _connectorx(exc: BaseException) -> ConnectorError:
    """connectorx reports errors as text (RuntimeError, or a Rust panic)."""
    text = str(exc).split("\n")[0]
    lowered = text.lower()
    if any(word in lowered for word in ("connection", "timed out", "broken pipe", "reset")):
        return TransientError(f"MySQL read failed: {text}", error_type="CONNECTION_FAILED")
    return TerminalError(f"MySQL read failed: {text}", error_type="SOURCE_READ_FAILED")
