"""The one error body of API.md, request ids, and the open documents (health, schemas)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

ERROR_KEYS = {"detail", "status_code", "error_code", "error"}


def documented_code(path: str, status: int, code: str) -> str:
    """The code the document of ``path``'s surface names for ``status`` (API.md), else ``code``:
    the AI-ETL pipelines API's pipelines and runs say UNAUTHORIZED, FORBIDDEN and
    PIPELINE_NOT_FOUND; the rest of /api/v1 (the AI-ETL platform API, with its
    ``/pipelines:generate`` and ``/pipelines/{id}/status``) AUTHENTICATION_REQUIRED,
    PERMISSION_DENIED and RESOURCE_NOT_FOUND."""
    if not path.startswith("/api/v1"):
        return code
    platform_only = path == "/api/v1/pipelines:generate" or (
        path.startswith("/api/v1/pipelines/") and path.endswith("/status") and path.count("/") == 5
    )
    ai_pipelines = path.startswith(("/api/v1/pipelines", "/api/v1/runs")) and not platform_only
    if ai_pipelines:
        missing = "RUN_NOT_FOUND" if path.startswith("/api/v1/runs") else "PIPELINE_NOT_FOUND"
        return {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: missing}.get(status, code)
    return {
        401: "AUTHENTICATION_REQUIRED",
        403: "PERMISSION_DENIED",
        404: "RESOURCE_NOT_FOUND",
    }.get(status, code)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check the shared error body and return it (the named batch pipelines API adds its
    top-level ``"status": "error"``)."""
    assert response.status_code == status, response.text
    body = response.json()
    if response.request.url.path.startswith("/api/pipeline/"):
        assert body.pop("status") == "error", body
    assert set(body) == ERROR_KEYS, body
    assert body["status_code"] == status
    assert body["error_code"] == code
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}, error
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    assert error["request_id"] == response.headers["X-Request-ID"]
    if isinstance(body["detail"], list):
        assert body["detail"] == error["details"]
        for item in body["detail"]:
            assert set(item) == {"loc", "msg", "type"}, item
    else:
        assert body["detail"] == error["message"]
    return body


async def test_not_found_has_the_error_body(api):
    response = await api.get(f"/v1/pipelines/executions/exec-{uuid.uuid4().hex}")
    body = assert_error(response, 404, "EXECUTION_NOT_FOUND")
    assert "not found" in body["detail"]
    assert body["error"]["details"] == []


async def test_unknown_route_and_wrong_method_have_the_error_body(api):
    assert_error(await api.get("/v1/no-such-thing"), 404, "NOT_FOUND")
    assert_error(await api.patch("/v1/pipelines/connections"), 405, "METHOD_NOT_ALLOWED")


async def test_validation_error_keeps_detail_list(api):
    response = await api.post(
        "/v1/pipelines/connections",
        json={"name": "x", "type": "postgresql", "host": "h", "port": "not-a-port"},
    )
    body = assert_error(response, 400, "VALIDATION_ERROR")
    locs = [d["loc"] for d in body["detail"]]
    assert ["body", "port"] in locs
    assert ["body", "database"] in locs  # required and missing
    assert body["detail"][0]["msg"]
    assert body["error"]["message"].startswith("invalid request: ")


async def test_malformed_json_is_a_validation_error(api):
    response = await api.post(
        "/v1/pipelines/connections",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["detail"][0]["type"] == "json_invalid"


async def test_query_parameter_validation(api):
    body = assert_error(await api.get("/v1/pipelines?page=-1"), 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"] == ["query", "page"]
    body = assert_error(await api.get("/v1/pipelines?size=0"), 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"] == ["query", "size"]
    body = assert_error(await api.get("/v1/pipelines?status=BOGUS"), 400, "VALIDATION_ERROR")
    assert body["detail"][0]["loc"] == ["query", "status"]


async def test_request_id_is_echoed(api):
    sent = f"req-{uuid.uuid4().hex}"
    response = await api.get("/v1/pipelines/no-such-pipeline", headers={"X-Request-ID": sent})
    body = assert_error(response, 404, "PIPELINE_NOT_FOUND")
    assert response.headers["X-Request-ID"] == sent
    assert body["error"]["request_id"] == sent


async def test_request_id_is_generated_when_absent(api):
    first = await api.get("/v1/pipelines/no-such-pipeline")
    second = await api.get("/v1/pipelines/no-such-pipeline")
    for response in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
        assert response.json()["error"]["request_id"] == response.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_request_id_on_success_too(api):
    sent = f"ok-{uuid.uuid4().hex}"
    response = await api.get("/health", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == sent


async def test_health(api):
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_store_and_temporal(api):
    response = await api.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "checks": {"store": "ok", "temporal": "ok"}}


async def test_openapi_document(api):
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Ductwork"
    for path in (
        "/v1/pipelines",
        "/v1/pipelines/{pipeline_id}",
        "/v1/pipelines/{pipeline_id}/execute",
        "/v1/pipelines/executions",
        "/v1/pipelines/executions/{execution_id}/logs",
        "/v1/pipelines/connections",
        "/v1/pipelines/connections/{connection_id}/test",
        "/v1/schemas/pipeline-definition",
    ):
        assert path in document["paths"], path


async def test_pipeline_definition_schema(api):
    response = await api.get("/v1/schemas/pipeline-definition")
    assert response.status_code == 200
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert {"sources", "transformations", "sinks", "quality_checks", "orchestration"} <= set(
        schema["properties"]
    )
    assert set(schema["required"]) == {"sources", "sinks"}
    assert schema["additionalProperties"] is False
    # The sink's input is published under its wire name.
    assert "from" in schema["$defs"]["Sink"]["properties"]
    assert schema["$defs"]["LoadMode"]["enum"] == ["append", "replace", "merge"]
