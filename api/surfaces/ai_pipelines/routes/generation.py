"""AI generation (AI-ETL pipelines API, AI-ETL platform API): generate a pipeline from an intent,
regenerate a version.

``POST /api/v1/pipelines/generate`` (the AI-ETL pipelines API: intent + sources/targets) and
``POST /api/v1/pipelines:generate`` (the AI-ETL platform API: description + options) run
GenerationWorkflow
and answer with the stored pipeline, its artifacts, and who generated it at what cost.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import col, select
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError

from api.deps import CipherDep, ClientDep, Editor, SessionDep, SettingsDep
from api.errors import ApiError
from api.surfaces.ai_pipelines import configuration
from core import temporal
from core.settings import Settings
from services import connection_choice
from services.runs import TemporalUnavailable
from store import pipelines as pipeline_store
from store.models import Pipeline
from store.models.generation import Generation
from workflows.generation import GenerationWorkflow
from workflows.generation_payloads import GenerationInput, GenerationResult, TableSpec

router = APIRouter(tags=["generation (AI-ETL pipelines API, AI-ETL platform API)"])

GENERATION_TIMEOUT = timedelta(minutes=15)


class Endpoint(BaseModel):
    """A source or target of the AI-ETL pipelines API: a stored connection and connector options."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    connection_id: str | None = None
    url: str | None = None
    database: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    table: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _referenced(self) -> Endpoint:
        if not self.connection_id:
            raise ValueError(
                "give connection_id (a connection's id or name): credentials and URLs are never "
                "inlined into a pipeline, register the connection first"
            )
        return self

    def spec(self) -> TableSpec:
        options = dict(self.options)
        return TableSpec(
            connection=str(self.connection_id),
            type=self.type,
            schema=self.schema_ or options.pop("schema", None),
            table=self.table or options.pop("table", None),
            options=options,
            database=self.database or options.pop("database", None),
        )


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project_id: str | None = None
    intent: str | None = Field(default=None, min_length=1, max_length=2000)
    description: str | None = Field(default=None, min_length=1, max_length=2000)  # AI-ETL platform
    name: str | None = Field(default=None, min_length=1, max_length=200)
    sources: list[Endpoint] = Field(default_factory=list)
    targets: list[Endpoint] = Field(default_factory=list)
    constraints: dict[str, Any] = Field(default_factory=dict)
    mode: Literal["generate", "describe", "analyze", "regenerate"] = "generate"
    hints: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)  # AI-ETL platform API: optimize, validate
    pipeline_id: str | None = None  # describe, analyze, regenerate
    modifications: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _what(self) -> GenerateRequest:
        if self.mode == "generate" and not (self.intent or self.description):
            raise ValueError("give 'intent' (or the AI-ETL platform API's 'description')")
        if self.mode != "generate" and not self.pipeline_id:
            raise ValueError(f"mode {self.mode!r} needs 'pipeline_id', the pipeline to work on")
        if self.mode == "regenerate" and not (self.modifications or self.intent):
            raise ValueError("mode 'regenerate' needs 'modifications'")
        return self

    @property
    def text(self) -> str:
        return (self.intent or self.description or "").strip()


class RegenerateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    modifications: str = Field(min_length=1, max_length=2000)
    hints: dict[str, Any] = Field(default_factory=dict)
    constraints: dict[str, Any] = Field(default_factory=dict)


@router.post("/api/v1/pipelines/generate")
async def generate(
    body: GenerateRequest,
    session: SessionDep,
    cipher: CipherDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict[str, Any]:
    if body.mode in ("describe", "analyze"):
        return await _delegate(body, session, cipher, settings, principal)
    if body.mode == "regenerate":
        return await _regenerate(
            str(body.pipeline_id),
            RegenerateRequest(
                modifications=body.modifications or body.text,
                hints=body.hints,
                constraints=body.constraints,
            ),
            session,
            client,
            settings,
            principal,
        )
    sources = [s.spec() for s in body.sources]
    targets = [t.spec() for t in body.targets]
    chosen: list[str] = []
    review: list[str] = []
    if not sources or not targets:
        try:
            picked = await connection_choice.choose(
                session, cipher, settings, principal.tenant_id, body.text, sources, targets
            )
        except connection_choice.NoChoice as exc:
            raise ApiError(422, exc.code, str(exc), []) from exc
        sources, targets = picked.sources, picked.targets
        chosen, review = picked.chosen, picked.review
    if body.name and await pipeline_store.name_taken(session, principal.tenant_id, body.name):
        raise ApiError(409, "PIPELINE_EXISTS", f"a pipeline named {body.name!r} already exists")
    request = GenerationInput(
        generation_id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        actor=principal.subject,
        intent=body.text,
        sources=sources,
        targets=targets,
        name=body.name,
        project_id=body.project_id,
        constraints=body.constraints,
        hints=body.hints,
        use_llm=bool(settings.llm.base_url),
        max_repairs=settings.llm.max_repairs,
        chosen=chosen,
        review=review,
    )
    result = await _run(client, settings, request, None)
    return await _answer(session, principal.tenant_id, result)


# A route of its own (not a second decorator): both paths would give one OpenAPI operation id.
@router.post("/api/v1/pipelines:generate")
async def generate_from_description(
    body: GenerateRequest,
    session: SessionDep,
    cipher: CipherDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict[str, Any]:
    return await generate(body, session, cipher, client, settings, principal)


@router.post("/api/v1/pipelines/{pipeline_id}:regenerate")
async def regenerate(
    pipeline_id: str,
    body: RegenerateRequest,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict[str, Any]:
    return await _regenerate(pipeline_id, body, session, client, settings, principal)


async def _regenerate(
    pipeline_id: str,
    body: RegenerateRequest,
    session: SessionDep,
    client: Client,
    settings: Settings,
    principal: Any,
) -> dict[str, Any]:
    pipeline = await pipeline_store.get(session, principal.tenant_id, pipeline_id)
    version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    last = await _last_generation(session, principal.tenant_id, pipeline.id)
    if last is not None:
        original = last.request
        sources = [TableSpec(**s) for s in original.get("sources", [])]
        targets = [TableSpec(**t) for t in original.get("targets", [])]
        intent = f"{last.intent}\n{body.modifications}"
        constraints = {**original.get("constraints", {}), **body.constraints}
        hints = {**original.get("hints", {}), **body.hints}
    else:  # a pipeline written by hand: its sources and first sink are what the planner gets
        definition = version.definition
        sources = [
            TableSpec(connection=s["connection"], table=s.get("table"))
            for s in definition["sources"].values()
            if s.get("table")
        ]
        sink = next(iter(definition["sinks"].values()))
        targets = [TableSpec(connection=sink["connection"], table=sink["table"])]
        intent = f"{pipeline.description or pipeline.name}\n{body.modifications}"
        constraints, hints = dict(body.constraints), dict(body.hints)
        if not sources:
            raise ApiError(
                422,
                "GENERATION_FAILED",
                "the pipeline reads only queries; regenerate needs source tables",
                [],
            )
    request = GenerationInput(
        generation_id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        actor=principal.subject,
        intent=intent.strip(),
        sources=sources,
        targets=targets,
        mode="regenerate",
        name=pipeline.name,
        constraints=constraints,
        hints=hints,
        use_llm=bool(settings.llm.base_url),
        max_repairs=settings.llm.max_repairs,
        pipeline_id=pipeline.id,
        previous_definition=version.definition,
    )
    result = await _run(client, settings, request, pipeline)
    return await _answer(session, principal.tenant_id, result)


async def _run(
    client: Client, settings: Settings, request: GenerationInput, pipeline: Pipeline | None
) -> GenerationResult:
    try:
        result = await client.execute_workflow(
            GenerationWorkflow.run,
            request,
            id=temporal.workflow_id("generate", request.tenant_id, request.generation_id),
            task_queue=settings.temporal.task_queue,
            search_attributes=temporal.search_attributes(
                request.tenant_id,
                "generate",
                pipeline.id if pipeline else None,
                pipeline.name if pipeline else None,
            ),
            execution_timeout=GENERATION_TIMEOUT,
            static_summary=f"{request.mode}: {request.intent[:100]}",
        )
    except WorkflowFailureError as exc:
        cause: BaseException = exc
        while (deeper := getattr(cause, "cause", None) or cause.__cause__) is not None:
            cause = deeper  # down to the root error
        raise ApiError(422, "GENERATION_FAILED", f"generation failed: {cause}", []) from exc
    except RPCError as exc:
        raise TemporalUnavailable(exc.message) from exc
    if result.status not in ("generated", "needs_review"):
        raise ApiError(
            422,
            "GENERATION_FAILED",
            "generation failed: " + "; ".join(result.errors[:5]),
            [{"msg": e, "type": "generation_failed"} for e in result.errors] + [_usage(result)],
        )
    return result


def _usage(result: GenerationResult) -> dict[str, Any]:
    u = result.usage
    return {
        "provider": u.provider,
        "model": u.model,
        "tokens": {
            "prompt": u.prompt_tokens,
            "completion": u.completion_tokens,
            "total": u.prompt_tokens + u.completion_tokens,
        },
        "estimated_cost_usd": u.cost_usd,
        "attempts": result.attempts,
    }


async def _answer(session, tenant_id: str, result: GenerationResult) -> dict[str, Any]:
    session.expire_all()  # the worker stored the pipeline: read it afresh
    pipeline = await pipeline_store.get(session, tenant_id, str(result.pipeline_id))
    version = await pipeline_store.get_version(session, pipeline.id, pipeline.current_version)
    generation = await session.get(Generation, result.generation_id)
    request = generation.request if generation else {}
    artifacts = result.artifacts
    validation = artifacts.get("validation", {})
    return {
        "id": pipeline.id,
        "pipeline_id": pipeline.id,
        "project_id": request.get("project_id"),
        "name": pipeline.name,
        "status": result.status,  # needs_review: part of the intent was not placed
        "description": pipeline.description,
        "schedule": version.definition.get("orchestration", {}).get("schedule"),
        "configuration": await configuration.configuration(
            session, tenant_id, version.definition, [request]
        ),
        "tags": pipeline.tags,
        "artifacts": artifacts,
        "version": version.label,
        "version_number": version.number,
        "code": artifacts.get("airflow_dag_py"),  # the AI-ETL platform API
        "dag_definition": version.definition,  # the AI-ETL platform API
        "validation": _validation(validation, result),  # the AI-ETL platform API
        "interpretation": result.interpretation,
        "unresolved": result.unresolved,
        "generation_id": result.generation_id,
        **_usage(result),
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
    }


def _validation(checked: dict[str, Any], result: GenerationResult) -> dict[str, Any]:
    """What was checked and how it went; a version to review says why."""
    status = "passed" if not checked.get("errors") else "failed"
    warnings = [f"not understood: {u}" for u in result.unresolved]
    if result.status == "needs_review":
        status = "needs_review"
        warnings.append(
            "part of the request was not understood: review the interpretation; running or "
            "deploying this version asks for confirm=true"
        )
    return {**checked, "status": status, "warnings": warnings}


async def _last_generation(session, tenant_id: str, pipeline_id: str) -> Generation | None:
    rows = await session.exec(
        select(Generation)
        .where(
            Generation.tenant_id == tenant_id,
            Generation.pipeline_id == pipeline_id,
            col(Generation.status).in_(("generated", "needs_review")),
        )
        .order_by(col(Generation.created_at).desc())
    )
    return rows.first()


async def _delegate(
    body: GenerateRequest,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> dict[str, Any]:
    try:
        from api.surfaces.ai_pipelines.routes.pipeline_ai import analyze_pipeline, describe_pipeline
    except ImportError:
        raise ApiError(422, "GENERATION_FAILED", f"mode {body.mode!r} is not available") from None
    handler = describe_pipeline if body.mode == "describe" else analyze_pipeline
    result = await handler(str(body.pipeline_id), session, cipher, settings, principal)
    return result.model_dump(mode="json")
