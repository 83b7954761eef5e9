"""Error codes follow the surface, like status words do: which status and code an error answers
with on each API surface, decided by the request's path (``surface_of``).

Routes raise one error (``api.errors.ApiError``, ``store.errors.NotFound``, …) with our own
code; ``conform`` turns its status and code into the ones the surface's document names:

- the AI-ETL pipelines API (``/api/v1/pipelines…``, ``/api/v1/runs…``): 401 ``UNAUTHORIZED``,
  403 ``FORBIDDEN``, 404 ``PIPELINE_NOT_FOUND`` (a missing run is ``RUN_NOT_FOUND``; a version,
  deployment or connection keeps its own code), request validation 400 ``VALIDATION_ERROR``;
- the AI-ETL platform API (the rest of ``/api/v1``): 401 ``AUTHENTICATION_REQUIRED``, 403
  ``PERMISSION_DENIED``, 404 ``RESOURCE_NOT_FOUND``, request validation 400;
- the pipeline service API (``/v1``): request validation 400, other codes as raised;
- the named batch pipelines API (``/api/pipeline``): codes as raised (``PIPELINE_NOT_FOUND``,
  ``RUN_NOT_FOUND``), request validation 422, and ``"status": "error"`` in every body;
- the connection syncs API (the root): codes as raised, request validation 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VALIDATION_ERROR = "VALIDATION_ERROR"


@dataclass(frozen=True)
class SurfaceErrors:
    name: str
    codes: dict[int, str] = field(default_factory=dict)
    """The one code every error of a status carries on this surface."""
    keep: frozenset[str] = frozenset()
    """Codes the surface keeps although ``codes`` names another one for their status."""
    renames: dict[str, str] = field(default_factory=dict)
    """Our codes in the surface's words (kept, once renamed)."""
    validation_status: int = 422
    """The status of a request that fails validation (code ``VALIDATION_ERROR``)."""
    status_word: str | None = None
    """A top-level ``"status"`` of every error body, when the document shows one."""


AI_PIPELINES = SurfaceErrors(
    "the AI-ETL pipelines API",
    codes={401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "PIPELINE_NOT_FOUND"},
    keep=frozenset(
        {"RUN_NOT_FOUND", "VERSION_NOT_FOUND", "DEPLOYMENT_NOT_FOUND", "CONNECTION_NOT_FOUND"}
    ),
    renames={"EXECUTION_NOT_FOUND": "RUN_NOT_FOUND"},  # a run, in this API's words
    validation_status=400,
)
PLATFORM = SurfaceErrors(
    "the AI-ETL platform API",
    codes={401: "AUTHENTICATION_REQUIRED", 403: "PERMISSION_DENIED", 404: "RESOURCE_NOT_FOUND"},
    keep=frozenset({"INVALID_CREDENTIALS"}),  # a failed login, not a missing token
    validation_status=400,
)
PIPELINE_SERVICE = SurfaceErrors("the pipeline service API", validation_status=400)
BATCH = SurfaceErrors("the named batch pipelines API", status_word="error")
SYNCS = SurfaceErrors("the connection syncs API")

PLATFORM_PIPELINE_PATHS = ("/api/v1/pipelines:generate",)
"""Paths under ``/api/v1/pipelines`` that only the AI-ETL platform API's document names."""


def surface_of(path: str) -> SurfaceErrors:
    def under(prefix: str) -> bool:
        return path == prefix or path.startswith((prefix + "/", prefix + ":"))

    if under("/api/v1"):
        if path in PLATFORM_PIPELINE_PATHS or (
            under("/api/v1/pipelines") and path.endswith("/status") and path.count("/") == 5
        ):
            return PLATFORM  # /api/v1/pipelines/{id}/status is the platform API's alone
        if under("/api/v1/pipelines") or under("/api/v1/runs"):
            return AI_PIPELINES
        return PLATFORM
    if under("/api/pipeline"):
        return BATCH
    if under("/v1"):
        return PIPELINE_SERVICE
    return SYNCS


def conform(path: str, status: int, code: str) -> tuple[int, str]:
    """The status and code an error answers with on the surface of ``path``."""
    surface = surface_of(path)
    if code == VALIDATION_ERROR and status in (400, 422):
        return surface.validation_status, code
    code = surface.renames.get(code, code)
    if code in surface.keep:
        return status, code
    return status, surface.codes.get(status, code)
