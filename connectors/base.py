"""What every connector shares: its error classes and the shape of a connection test."""

from __future__ import annotations

from dataclasses import dataclass, field


class ConnectorError(Exception):
    """An error from a source or target, already classified.

    ``error_type`` is a stable code for API responses and Temporal's ApplicationError type.
    """

    retryable: bool = False

    def __init__(self, message: str, *, error_type: str) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


class TerminalError(ConnectorError):
    """Retrying cannot help: bad SQL, a missing table, wrong credentials."""

    retryable = False


class TransientError(ConnectorError):
    """May succeed on retry: connection reset, timeout, serialization failure."""

    retryable = True


@dataclass(frozen=True)
class ConnectionTestResult:
    connected: bool
    latency_ms: int
    version: str | None = None
    schemas: list[str] = field(default_factory=list)
    tables: int = 0
    error: str | None = None


@dataclass
class Progress:
    """Rows and bytes a step has moved so far; updated in place while it runs."""

    rows: int = 0
    bytes: int = 0
