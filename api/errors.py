"""One error body for every surface:

``{"detail", "status_code", "error_code", "error": {"code", "message", "details", "request_id"}}``;
request validation errors keep FastAPI's ``detail`` list of ``{loc, msg, type}``. The status and
code follow the surface of the request's path (``api.error_codes``); the named batch pipelines
API's bodies add ``"status": "error"``. Every error answer is built by ``error_response``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_codes import VALIDATION_ERROR, conform, surface_of
from connectors.base import PolicyDenied
from core.logging import get_logger
from services.runs import MissingParameters, TemporalUnavailable
from store.errors import Conflict, NotFound

log = get_logger("ductwork.api")

TEMPORAL_UNAVAILABLE = "the Temporal server is not reachable; try again shortly"
"""The message of every 503: routes raise ``services.runs.TemporalUnavailable`` when an RPC fails
with a status in ``core.temporal.UNREACHABLE`` (or, where any RPC failure means that, with any)."""


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def invalid(message: str, details: list[dict[str, Any]], code: str = VALIDATION_ERROR) -> ApiError:
    return ApiError(422, code, message, details)


def missing_parameters(exc: MissingParameters, *loc: str, caller: str | None = None) -> ApiError:
    """The 422 of ``services.runs.submit``'s check: the pipeline's SQL uses parameters nobody gives.

    ``loc`` is where the request gives parameters; each missing name is one detail under it.
    ``caller`` names the pipeline when the request cannot give parameters at all (a sync run):
    then ``loc`` is the pipeline's path parameter and the one detail carries the whole reason.
    """
    if caller is not None:
        return invalid(
            f"{caller} cannot run without parameters: {exc}",
            [{"loc": list(loc), "msg": str(exc), "type": "missing"}],
        )
    return invalid(
        str(exc),
        [{"loc": [*loc, name], "msg": "required", "type": "missing"} for name in exc.names],
    )


def error_body(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    *,
    detail: Any = None,
) -> dict[str, Any]:
    """The body of an error answer; ``status`` and ``code`` as the surface says them."""
    status, code = conform(request.url.path, status, code)
    word = surface_of(request.url.path).status_word
    return {
        **({"status": word} if word else {}),
        "detail": message if detail is None else detail,
        "status_code": status,
        "error_code": code,
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "request_id": getattr(request.state, "request_id", None),
        },
    }


def error_response(
    request: Request, status: int, code: str, message: str, **kw: Any
) -> JSONResponse:
    body = error_body(request, status, code, message, **kw)
    return JSONResponse(body, status_code=body["status_code"])


def document_validation_status(app: FastAPI) -> None:
    """The OpenAPI document says what request validation answers on each surface: FastAPI's
    ``422`` becomes ``400`` where the surface's document names 400 (``api.error_codes``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # built once and kept; renaming twice changes nothing
        for path, operations in schema.get("paths", {}).items():
            status = str(surface_of(path).validation_status)
            for operation in operations.values():
                responses = operation.get("responses", {})
                if status != "422" and "422" in responses:
                    responses[status] = {**responses.pop("422"), "description": "Bad Request"}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        detail = exc.details if exc.status in (400, 422) and exc.details else None
        return error_response(
            request, exc.status, exc.code, exc.message, details=exc.details, detail=detail
        )

    @app.exception_handler(PolicyDenied)
    async def _policy_denied(request: Request, exc: PolicyDenied) -> JSONResponse:
        log.info("refused by the confinement policy", path=request.url.path, reason=exc.message)
        return error_response(request, 422, "POLICY_DENIED", exc.message)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error_response(request, 404, exc.code, exc.message)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return error_response(request, 409, exc.code, exc.message)

    @app.exception_handler(TemporalUnavailable)
    async def _temporal_unavailable(request: Request, exc: TemporalUnavailable) -> JSONResponse:
        log.warning("temporal unavailable", path=request.url.path, error=str(exc))
        return error_response(request, 503, "TEMPORAL_UNAVAILABLE", TEMPORAL_UNAVAILABLE)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        summary = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in details[:5])
        # A pipeline definition's structural problems carry the code of its connection checks.
        in_definition = all(d["loc"][:2] == ["body", "definition"] for d in details)
        return error_response(
            request,
            422,
            "INVALID_DEFINITION" if details and in_definition else VALIDATION_ERROR,
            f"invalid request: {summary}",
            details=details,
            detail=details,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.upper().replace(" ", "_")
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return error_response(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return error_response(
            request,
            500,
            "INTERNAL_ERROR",
            "internal error; the request id identifies it in the server log",
        )
