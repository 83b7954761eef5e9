"""Each API operation the client knows, as a request and a parser: built once here, sent by
the sync client (``ductwork_client.sync``) and the async one (``ductwork_client.aio``) alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import TypeAdapter

from ductwork_client.models import (
    Approval,
    Connection,
    ConnectionTest,
    Execution,
    Generated,
    LogLine,
    Me,
    Page,
    Pipeline,
    RunAccepted,
    RunStatus,
    Token,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)


def _model(kind: type[T]) -> Callable[[Any], T]:
    return TypeAdapter(kind).validate_python


def _id(value: str) -> str:
    return quote(value, safe="")


def login(email: str, password: str) -> Call[Token]:
    body = {"email": email, "password": password}
    return Call("POST", "/api/v1/auth/login", _model(Token), json=body)


def me() -> Call[Me]:
    return Call("GET", "/api/v1/auth/me", _model(Me))


# Pipelines -----------------------------------------------------------------------------------


def list_pipelines(
    page: int = 0, size: int = 50, status: str | None = None
) -> Call[Page[Pipeline]]:
    params = {"page": page, "size": size, "status": status}
    return Call("GET", "/v1/pipelines", _model(Page[Pipeline]), params=params)


def get_pipeline(pipeline_id: str) -> Call[Pipeline]:
    return Call("GET", f"/v1/pipelines/{_id(pipeline_id)}", _model(Pipeline))


def create_pipeline(
    name: str, definition: dict[str, Any], description: str | None = None, **extra: Any
) -> Call[Pipeline]:
    body = {"name": name, "definition": definition, "description": description, **extra}
    body = {k: v for k, v in body.items() if v is not None}
    return Call("POST", "/v1/pipelines", _model(Pipeline), json=body)


def generate(description: str, **options: Any) -> Call[Generated]:
    body = {"description": description, **options}
    return Call("POST", "/api/v1/pipelines:generate", _model(Generated), json=body)


def pipeline_status(pipeline_id: str) -> Call[dict[str, Any]]:
    return Call("GET", f"/api/v1/pipelines/{_id(pipeline_id)}/status", dict)


def deploy(pipeline_id: str, **body: Any) -> Call[dict[str, Any]]:
    path = f"/api/v1/pipelines/{_id(pipeline_id)}:deploy"
    return Call("POST", path, dict, json={k: v for k, v in body.items() if v is not None})


def run_pipeline(pipeline_id: str, params: dict[str, Any] | None = None) -> Call[RunAccepted]:
    path = f"/api/v1/pipelines/{_id(pipeline_id)}:run"
    return Call("POST", path, _model(RunAccepted), json={"params": params or {}, "async": True})


def execute(pipeline_id: str, parameters: dict[str, Any] | None = None) -> Call[RunAccepted]:
    path = f"/v1/pipelines/{_id(pipeline_id)}/execute"
    return Call("POST", path, _model(RunAccepted), json={"parameters": parameters or {}})


# Runs ----------------------------------------------------------------------------------------


def list_runs(
    pipeline_id: str | None = None, status: str | None = None, page: int = 0, size: int = 50
) -> Call[Page[Execution]]:
    params = {"pipelineId": pipeline_id, "status": status, "page": page, "size": size}
    return Call("GET", "/v1/pipelines/executions", _model(Page[Execution]), params=params)


def get_run(run_id: str) -> Call[Execution]:
    return Call("GET", f"/v1/pipelines/executions/{_id(run_id)}", _model(Execution))


def run_status(run_id: str) -> Call[RunStatus]:
    return Call("GET", f"/api/v1/runs/{_id(run_id)}/status", _model(RunStatus))


def run_logs(
    run_id: str, task: str | None = None, lines: int = 100, after: int | None = None
) -> Call[list[LogLine]]:
    """The run's last ``lines`` log lines; with ``after`` (a line's ``id``, 0 for the first) the
    first ``lines`` lines written after that one, each with its ``id``."""

    def parse(body: Any) -> list[LogLine]:
        return TypeAdapter(list[LogLine]).validate_python(body.get("lines", []))

    params = {"task": task, "lines": lines, "after": after}
    return Call("GET", f"/v1/pipelines/executions/{_id(run_id)}/logs", parse, params=params)


def cancel_run(run_id: str) -> Call[dict[str, Any]]:
    return Call("POST", f"/v1/pipelines/executions/{_id(run_id)}/cancel", dict)


# Approvals -----------------------------------------------------------------------------------


def list_approvals(status: str = "pending") -> Call[list[Approval]]:
    def parse(body: Any) -> list[Approval]:
        return TypeAdapter(list[Approval]).validate_python(body.get("approvals", []))

    return Call("GET", "/api/v1/approvals", parse, params={"status": status})


def decide(ref: str, approve: bool, reason: str | None = None) -> Call[Approval]:
    verb = "approve" if approve else "reject"
    path = f"/api/v1/approvals/{_id(ref)}:{verb}"
    return Call("POST", path, _model(Approval), json={"reason": reason})


# Connections ---------------------------------------------------------------------------------


def list_connections(page: int = 0, size: int = 100) -> Call[Page[Connection]]:
    params = {"page": page, "size": size}
    return Call("GET", "/v1/pipelines/connections", _model(Page[Connection]), params=params)


def test_connection(connection_id: str) -> Call[ConnectionTest]:
    path = f"/v1/pipelines/connections/{_id(connection_id)}/test"
    return Call("POST", path, _model(ConnectionTest))
