"""Every error answer of the API as a typed exception that carries the whole error body."""

from __future__ import annotations

from typing import Any


class DuctworkError(Exception):
    """An error answer: its HTTP status, error code, message and the body as sent."""

    def __init__(self, status: int, code: str, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body


class ValidationFailed(DuctworkError):
    """400/422: the request is wrong; ``details`` says which field and why."""

    @property
    def details(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict):
            error = self.body.get("error")
            if isinstance(error, dict) and isinstance(error.get("details"), list):
                return error["details"]
            if isinstance(self.body.get("detail"), list):
                return self.body["detail"]
        return []


class AuthenticationFailed(DuctworkError):
    """401: no credentials, or credentials the server does not accept."""


class PermissionDenied(DuctworkError):
    """403: the credential's role or tenant does not allow this."""


class NotFound(DuctworkError):
    """404: no such object in the caller's tenant."""


class Conflict(DuctworkError):
    """409: the object's state does not allow it (e.g. a run already active)."""


class RateLimited(DuctworkError):
    """429: the plan's request budget is spent; ``retry_after`` seconds to wait."""

    retry_after: float | None = None


class ServerError(DuctworkError):
    """5xx: the server failed; the body's request id finds it in the server log."""


_BY_STATUS: dict[int, type[DuctworkError]] = {
    400: ValidationFailed,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
}


def from_response(status: int, body: Any, headers: dict[str, str] | None = None) -> DuctworkError:
    """The exception of an error answer, whatever surface's body shape it has."""
    code, message = _code_and_message(status, body)
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else DuctworkError)
    error = kind(status, code, message, body)
    if isinstance(error, RateLimited) and headers:
        retry = headers.get("retry-after") or headers.get("Retry-After")
        error.retry_after = float(retry) if retry else None
    return error


def _code_and_message(status: int, body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("code") or status), str(error.get("message") or "")
        if isinstance(error, str):  # {"error": "CODE", "message": "..."}
            return error, str(body.get("message") or "")
        code = body.get("error_code") or body.get("code") or status
        detail = body.get("detail") or body.get("message") or ""
        return str(code), detail if isinstance(detail, str) else str(detail)
    return str(status), str(body or "")
