"""401, 404 and request validation on every surface, each with the status, code and body its
document names (/work/shared/seeds/00[0-4]_*.txt; API.md decides where they leave room):

| surface | 401 | 404 | request validation |
| --- | --- | --- | --- |
| the AI-ETL pipelines API | UNAUTHORIZED | PIPELINE_NOT_FOUND | 400 VALIDATION_ERROR |
| the AI-ETL platform API | AUTHENTICATION_REQUIRED | RESOURCE_NOT_FOUND | 400 VALIDATION_ERROR |
| the named batch pipelines API | + "status": "error" | RUN_NOT_FOUND | 422 (+ status) |
| the pipeline service API | AUTHENTICATION_REQUIRED | PIPELINE_NOT_FOUND | 400 VALIDATION_ERROR |
| the connection syncs API | AUTHENTICATION_REQUIRED | TASK_NOT_FOUND | 422 VALIDATION_ERROR |

Every body is the shared one (``detail``, ``status_code``, ``error_code``, ``error: {code,
message, details, request_id}``); validation errors keep FastAPI's ``detail`` list of ``{loc,
msg, type}``, one entry per problem.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests import auth

pytestmark = pytest.mark.postgres

MISSING = uuid.uuid4().hex
TENANT = {"X-Tenant-ID": auth.DEFAULT_TENANT}

# (surface, request without credentials, request for an unknown id, invalid request)
Request = tuple[str, str, dict[str, Any] | None]
SURFACES: dict[str, dict[str, Any]] = {
    "ai_pipelines": {
        "unauthorized": ("POST", f"/api/v1/pipelines/{MISSING}:run", None),
        "not_found": ("GET", f"/api/v1/pipelines/{MISSING}", None),
        "invalid": ("POST", "/api/v1/pipelines/generate", {"sources": "not a list", "mode": 1}),
        "codes": {401: "UNAUTHORIZED", 404: "PIPELINE_NOT_FOUND"},
        "validation": 400,
        "invalid_locs": [["body", "sources"], ["body", "mode"]],
    },
    "platform": {
        "unauthorized": ("GET", "/api/v1/connectors", None),
        "not_found": ("GET", f"/api/v1/webhooks/{MISSING}", None),
        "invalid": ("POST", "/api/v1/data/profile", {}),
        "codes": {401: "AUTHENTICATION_REQUIRED", 404: "RESOURCE_NOT_FOUND"},
        "validation": 400,
        "invalid_locs": [["body", "source"], ["body", "table"]],
    },
    "batch": {
        "unauthorized": ("GET", "/api/pipeline/runs", None),
        "not_found": ("GET", f"/api/pipeline/status/run_{MISSING}", None),
        "invalid": ("POST", "/api/pipeline/trigger/anything", {"config": []}),
        "codes": {401: "AUTHENTICATION_REQUIRED", 404: "RUN_NOT_FOUND"},
        "validation": 422,
        "invalid_locs": [["body", "batch_id"], ["body", "config"]],
        "status_word": "error",
    },
    "pipeline_service": {
        "unauthorized": ("GET", "/v1/pipelines", None),
        "not_found": ("GET", f"/v1/pipelines/{MISSING}", None),
        "invalid": ("POST", "/v1/pipelines/connections", {"name": "x"}),
        "codes": {401: "AUTHENTICATION_REQUIRED", 404: "PIPELINE_NOT_FOUND"},
        "validation": 400,
        "invalid_locs": [["body", "type"]],
    },
    "syncs": {
        "unauthorized": ("GET", "/connections", None),
        "not_found": ("GET", f"/task_status/{MISSING}", None),
        "invalid": ("GET", "/history?limit=many", None),
        "codes": {401: "AUTHENTICATION_REQUIRED", 404: "TASK_NOT_FOUND"},
        "validation": 422,
        "invalid_locs": [["query", "limit"]],
    },
}


@pytest.fixture
async def anon(app):
    async with auth.anonymous_client(app) as http:
        yield http


def check_body(response: httpx.Response, status: int, code: str, surface: dict) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    word = surface.get("status_word")
    if word:
        assert body.pop("status") == word, body
    assert set(body) == {"detail", "status_code", "error_code", "error"}, body
    assert body["status_code"] == status and body["error_code"] == code
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    return body


async def _send(http: httpx.AsyncClient, request: Request) -> httpx.Response:
    method, path, body = request
    return await http.request(method, path, json=body, headers=TENANT)


@pytest.mark.parametrize("name", list(SURFACES))
async def test_401(anon, name):
    surface = SURFACES[name]
    response = await _send(anon, surface["unauthorized"])
    body = check_body(response, 401, surface["codes"][401], surface)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["detail"] == body["error"]["message"]


@pytest.mark.parametrize("name", list(SURFACES))
async def test_404(api, name):
    surface = SURFACES[name]
    body = check_body(await _send(api, surface["not_found"]), 404, surface["codes"][404], surface)
    assert "not found" in body["error"]["message"].lower()


@pytest.mark.parametrize("name", list(SURFACES))
async def test_request_validation(api, name):
    surface = SURFACES[name]
    response = await _send(api, surface["invalid"])
    body = check_body(response, surface["validation"], "VALIDATION_ERROR", surface)
    assert isinstance(body["detail"], list) and body["detail"] == body["error"]["details"]
    for item in body["detail"]:
        assert set(item) == {"loc", "msg", "type"}, item
    locs = [item["loc"] for item in body["detail"]]
    for loc in surface["invalid_locs"]:  # one entry per problem
        assert loc in locs, locs


async def test_generation_failure_keeps_422(api):
    """The AI-ETL pipelines API's own 422 is GENERATION_FAILED, not a validation error."""
    response = await api.post(
        "/api/v1/pipelines/generate",
        json={
            "intent": "copy orders",
            "sources": [{"connection_id": f"nope-{MISSING}"}],
            "targets": [{"connection_id": f"nope-{MISSING}"}],
        },
        headers=TENANT,
    )
    assert response.status_code in (404, 422), response.text
    if response.status_code == 422:
        assert response.json()["error_code"] == "GENERATION_FAILED"


async def test_the_openapi_document_says_the_same(anon):
    """The OpenAPI document lists request validation with each surface's status."""
    paths = (await anon.get("/openapi.json")).json()["paths"]
    expected = {
        ("/api/v1/pipelines/generate", "post"): "400",
        ("/api/v1/data/profile", "post"): "400",
        ("/v1/pipelines/connections", "post"): "400",
        ("/api/pipeline/trigger/{pipeline}", "post"): "422",
        ("/history", "get"): "422",
    }
    for (path, method), status in expected.items():
        responses = paths[path][method]["responses"]
        other = "422" if status == "400" else "400"
        assert status in responses and other not in responses, (path, responses)
