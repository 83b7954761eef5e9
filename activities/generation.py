"""Activities of GenerationWorkflow: introspect, plan offline, check a plan, store the result."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import generation_grounding as grounding
from activities import generation_validation as validation
from activities.runtime import ActivityDeps, application_errors
from ai.generation import check, offline, prompts, render, words
from ai.generation.intent import verify
from ai.generation.intent.understand import understand
from connectors.base import ConnectorError, TableInfo
from connectors.registry import (
    TARGET_TYPES,
    canonical_type,
    connector_for,
    is_target,
    source_schema,
)
from core.connections import connection_settings, connector_config
from core.secrets import SecretReferenceError
from store import connections as connection_store
from store import pipelines as pipeline_store
from store.models import Connection, Pipeline, PipelineVersion, utcnow
from store.models.generation import Generation
from workflows.generation_payloads import (
    Column,
    DatasetSchema,
    GenerationContext,
    GenerationInput,
    GenerationResult,
    OfflinePlanInput,
    PlanCheck,
    PlanCheckInput,
    StoreGenerationInput,
    TableSpec,
    TargetSchema,
    Usage,
)

GENERATED = "GENERATED"
SAVED = ("generated", "needs_review")  # generation statuses that stored a version
MAX_TABLES = 60  # tables of a whole database offered to the planner
_SYSTEM_SCHEMAS = {
    "pg_catalog",
    "information_schema",
    "_ductwork",
    "mysql",
    "sys",
    "performance_schema",
}


class GenerationActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps
        self.db = deps.db

    @activity.defn(name="generation_introspect")
    async def introspect(self, request: GenerationInput) -> GenerationContext:
        context = GenerationContext()
        taken: set[str] = set()
        with application_errors():
            async with self.db.session() as session:
                rows = {
                    spec.connection: await connection_store.find(
                        session, request.tenant_id, spec.connection
                    )
                    for spec in [*request.sources, *request.targets]
                }
            for spec in request.sources:
                row = rows[spec.connection]
                if row is None:
                    context.errors.append(f"source connection {spec.connection!r} not found")
                    continue
                try:
                    tables, config = await self._tables(row, spec)
                except (ConnectorError, SecretReferenceError) as exc:
                    if not spec.optional:
                        context.errors.append(f"cannot introspect connection {row.name!r}: {exc}")
                    continue
                if not tables and spec.optional:
                    continue
                if not tables:
                    wanted = f" table {spec.table!r}" if spec.table else " any table"
                    context.errors.append(f"connection {row.name!r} has no{wanted}")
                datasets = [_dataset(row, table, taken) for table in tables[:MAX_TABLES]]
                try:
                    await grounding.ground(config, row.type, datasets)
                except Exception as exc:  # values help; their absence leaves words unresolved
                    activity.logger.warning(f"no values sampled from {row.name!r}: {exc}")
                context.sources.extend(datasets)
            if not context.sources and not context.errors:
                context.errors.append("none of the candidate source connections could be read")
            context.today = datetime.now(UTC).date().isoformat()
            context.target = self._target(request, rows, context.errors)
        if request.use_llm and not context.errors:
            context.messages = prompts.initial_messages(request, context)
            context.repair_prompt = prompts.load("repair")
        context.prompt_version = prompts.PROMPT_VERSION
        return context

    async def _tables(self, row: Connection, spec: TableSpec) -> tuple[list[TableInfo], Any]:
        connector, config = await connector_config(
            row, self.deps.cipher, self.deps.service_settings
        )
        tables = await connector.introspect(config)
        tables = [t for t in tables if t.schema.lower() not in _SYSTEM_SCHEMAS]
        if connector.default_schema is None:  # MySQL: only the connection's own database
            own = [t for t in tables if t.schema == row.database]
            tables = [TableInfo("", t.name, t.columns) for t in own] or tables
        table = spec.table or spec.options.get("table") or spec.options.get("topic")  # Kafka's
        schema = spec.schema or spec.options.get("schema")
        if table and "." in table and not schema and not spec.options.get("topic"):
            schema, table = table.rsplit(".", 1)
        if table:
            tables = [t for t in tables if t.name.lower() == str(table).lower()]
            if schema:
                wanted = source_schema(connector, str(schema))
                tables = [t for t in tables if wanted is None or t.schema == wanted] or tables
        return tables, config

    def _target(
        self, request: GenerationInput, rows: dict[str, Connection | None], errors: list[str]
    ) -> TargetSchema | None:
        if not request.targets:
            errors.append("a target is needed: targets[0].connection_id")
            return None
        spec = request.targets[0]
        row = rows[spec.connection]
        if row is None:
            errors.append(f"target connection {spec.connection!r} not found")
            return None
        if not is_target(row.type):
            errors.append(
                f"connection {row.name!r} is a {row.type} connection, which cannot be loaded "
                f"into: targets are {', '.join(sorted(TARGET_TYPES))} connections"
            )
            return None
        kind = canonical_type(row.type)
        table = spec.table or spec.options.get("table") or _snake(render.pipeline_name(request))
        schema = spec.schema or spec.options.get("schema")
        database = spec.database or spec.options.get("database")
        if kind == "clickhouse":
            schema = schema or database
        elif kind == "postgresql" and database and database != row.database and not schema:
            # A PostgreSQL connection is one database: the request's other "database" names
            # the schema the table goes to (said in the interpretation, never dropped).
            schema = str(database)
        if "." in table and not schema:
            schema, table = table.rsplit(".", 1)
        fmt = None
        if kind == "files":
            fmt = str((row.properties or {}).get("format") or "parquet").lower()
            fmt = {"json": "jsonl", "ndjson": "jsonl"}.get(fmt, fmt)
        default_schema = {"postgresql": "public", "duckdb": "main", "clickhouse": row.database}
        schema = str(schema or default_schema.get(kind or "", ""))
        if kind in ("postgresql", "duckdb"):
            schema = schema.lower()
        return TargetSchema(
            connection=row.name,
            connection_type=kind or row.type,
            dialect=render.TARGET_DIALECTS.get(kind or "", "postgres"),
            schema=schema,
            table=table,
            options={
                k: v for k, v in spec.options.items() if k in ("engine", "order_by", "partition_by")
            },
            format=fmt,
        )

    @activity.defn(name="generation_plan_offline")
    async def plan_offline(self, request: OfflinePlanInput) -> PlanCheck:
        try:
            reply = offline.plan(request.request, request.context)
        except offline.PlanningError as exc:
            return PlanCheck(errors=[str(exc)])
        except Exception as exc:  # a rule that trips is a failed plan, not something to retry
            activity.logger.exception("offline planner failed")
            return PlanCheck(errors=[f"the offline planner failed: {exc}"])
        return await self._check(request.request, request.context, reply)

    @activity.defn(name="generation_check_plan")
    async def check_plan(self, request: PlanCheckInput) -> PlanCheck:
        result = await self._check(request.request, request.context, request.reply)
        if not result.errors and result.definition is not None:
            # The model's plan against the same understanding of the intent: what it dropped
            # is unresolved, so the version is saved for review rather than as understood.
            try:
                understood = understand(
                    request.request.intent,
                    request.context.sources,
                    ignore=offline.system_words(request.request, request.context),
                )
            except offline.PlanningError:
                understood = None
            result.unresolved += request.request.review
            if understood is not None:
                result.unresolved += verify.dropped(understood, result.definition)
                if not result.interpretation:
                    result.interpretation = [p.as_dict() for p in understood.pieces]
        return result

    async def _check(
        self, request: GenerationInput, context: GenerationContext, reply: str
    ) -> PlanCheck:
        try:
            result = check.check_plan(request, context, reply)
        except Exception as exc:  # a plan the checks choke on is a rejected plan, not a retry
            activity.logger.exception("plan check failed")
            return PlanCheck(errors=[f"the plan could not be checked: {exc}"])
        if result.errors:
            return result
        secrets = await self._secrets(request)
        leaks = check.credential_leaks(result.artifacts, secrets)
        if leaks:
            return PlanCheck(errors=leaks)
        checked_on, errors = await self._on_servers(request, context, result)
        if errors:
            return PlanCheck(errors=errors)
        result.artifacts["validation"]["checked_on"] = checked_on
        return result

    async def _on_servers(
        self, request: GenerationInput, context: GenerationContext, result: PlanCheck
    ) -> tuple[list[str], list[str]]:
        """Where the plan was tried for real (rolled back), and what failed there."""
        checked_on: list[str] = []
        errors: list[str] = []
        definition = result.definition or {}
        async with self.db.session() as session:
            rows = {
                name: await connection_store.find(session, request.tenant_id, name)
                for name in {d.connection for d in context.sources}
                | {context.target.connection if context.target else ""}
                if name
            }
        target = context.target
        row = rows.get(target.connection) if target else None
        if row is not None and canonical_type(row.type) == "postgresql":
            _, config = await connector_config(row, self.deps.cipher, self.deps.service_settings)
            try:
                errors += await validation.on_target(
                    config,
                    context,
                    definition,
                    str(result.artifacts.get("ddl_sql") or ""),
                    check.schema_map(context),
                )
                checked_on.append(
                    "ddl_sql and transform_sql on the PostgreSQL target (rolled back)"
                )
            except Exception as exc:  # unreachable: said, the parse checks still stand
                checked_on.append(f"not on the target: it could not be reached ({exc})")
        main = context.sources[0] if context.sources else None
        source = rows.get(main.connection) if main else None
        if source is not None and canonical_type(source.type) == "postgresql" and not errors:
            _, config = await connector_config(source, self.deps.cipher, self.deps.service_settings)
            try:
                errors += await validation.on_source(config, context, definition)
                checked_on.append("transform_sql planned (EXPLAIN) on the PostgreSQL source")
            except Exception as exc:  # unreachable: said, the parse checks still stand
                checked_on.append(f"not on the source: it could not be reached ({exc})")
        if errors:
            result.artifacts["validation"]["sql"] = "failed"
        return checked_on, errors

    async def _secrets(self, request: GenerationInput) -> list[str]:
        """The passwords of the connections involved: no artifact may contain one."""
        found: list[str] = []
        async with self.db.session() as session:
            for spec in [*request.sources, *request.targets]:
                row = await connection_store.find(session, request.tenant_id, spec.connection)
                if row is None:
                    continue
                try:
                    resolved = await connection_settings(
                        row, self.deps.cipher, self.deps.service_settings
                    )
                    password = resolved.password
                except (SecretReferenceError, ConnectorError, ValueError):
                    continue
                if password:
                    found.append(password)
        return found

    @activity.defn(name="generation_store")
    async def store(self, request: StoreGenerationInput) -> GenerationResult:
        """Store the plan as a new pipeline (or a new version of one) with status GENERATED,
        and the generation record; once per generation id, however often it is retried."""
        req = request.request
        async with self.db.session() as session:
            existing = await session.get(Generation, req.generation_id)
            if existing is not None:
                return _result(existing, request)
            now = utcnow()
            record = Generation(
                id=req.generation_id,
                tenant_id=req.tenant_id,
                mode=req.mode,
                status="failed",
                intent=req.intent,
                request=_request_json(req),
                provider=request.usage.provider,
                model=request.usage.model,
                prompt_tokens=request.usage.prompt_tokens,
                completion_tokens=request.usage.completion_tokens,
                cost_usd=request.usage.cost_usd,
                attempts=request.attempts,
                artifacts=request.check.artifacts,
                errors=request.errors or request.check.errors,
                created_by=req.actor,
                created_at=now,
                pipeline_id=req.pipeline_id,
            )
            definition = request.check.definition
            if definition is not None and not record.errors:
                ids = await self._connection_ids(session, req.tenant_id, definition)
                # Anything of the intent not placed: saved, but for a person to review first.
                record.status = "needs_review" if request.check.unresolved else "generated"
                record.artifacts = {
                    **record.artifacts,
                    "interpretation": request.check.interpretation,
                    "unresolved": request.check.unresolved,
                }
                if req.pipeline_id:
                    pipeline = await pipeline_store.get(session, req.tenant_id, req.pipeline_id)
                    previous = await pipeline_store.get_version(
                        session, pipeline.id, pipeline.current_version
                    )
                    number = await _next_number(session, pipeline.id)
                    version = _version(pipeline.id, number, previous.label, definition, req, now)
                    version.label = pipeline_store.next_label(previous.label, None)
                    await pipeline_store.add_version(session, pipeline, version, ids)
                    pipeline.status = GENERATED
                    pipeline.updated_at = now
                    if request.check.description:
                        pipeline.description = request.check.description
                    session.add(pipeline)
                else:
                    name = render.pipeline_name(req)
                    if not req.name:
                        base, n = name, 2
                        while await pipeline_store.name_taken(session, req.tenant_id, name):
                            name, n = f"{base}_{n}", n + 1
                    pipeline = Pipeline(
                        id=str(uuid.uuid5(uuid.NAMESPACE_URL, req.generation_id)),
                        tenant_id=req.tenant_id,
                        name=name,
                        description=request.check.description or req.intent[:500],
                        tags=request.check.tags,
                        status=GENERATED,
                        current_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                    version = _version(
                        pipeline.id, 1, render.ARTIFACT_VERSION, definition, req, now
                    )
                    session.add(pipeline)
                    await session.flush()
                    session.add(version)
                    pipeline_store._link(session, pipeline.id, ids)
                record.pipeline_id = pipeline.id
                record.version_number = version.number
                record.artifacts = {**record.artifacts, "version": version.label}
            session.add(record)
            await session.commit()
            return _result(record, request)

    async def _connection_ids(self, session, tenant_id: str, definition: dict) -> set[str]:
        refs = {s["connection"] for s in definition["sources"].values()}
        refs |= {s["connection"] for s in definition["sinks"].values()}
        ids = set()
        for ref in refs:
            row = await connection_store.find(session, tenant_id, ref)
            if row is None:
                raise ApplicationError(
                    f"connection {ref!r} no longer exists", type="NOT_FOUND", non_retryable=True
                )
            ids.add(row.id)
        return ids


def _dataset(row: Connection, table: TableInfo, taken: set[str]) -> DatasetSchema:
    name = words.safe_name(table.name, taken, "source")
    taken.add(name)
    return DatasetSchema(
        dataset=name,
        connection=row.name,
        connection_type=row.type,
        dialect=connector_for(row.type).dialect,
        schema=table.schema or None,  # None: the connection's default database
        table=table.name,
        columns=[Column(c.name, c.type, c.nullable) for c in table.columns],
    )


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower()).strip("_")[:60] or "generated"


def _version(pipeline_id, number, label, definition, req, now) -> PipelineVersion:
    return PipelineVersion(
        pipeline_id=pipeline_id,
        number=number,
        label=label,
        definition=definition,
        created_by=req.actor,
        description=f"{req.mode}: {req.intent[:400]}",
        created_at=now,
    )


async def _next_number(session, pipeline_id: str) -> int:
    numbers = await session.exec(
        select(PipelineVersion.number).where(PipelineVersion.pipeline_id == pipeline_id)
    )
    return max(numbers.all(), default=0) + 1


def _request_json(req: GenerationInput) -> dict:
    return {
        "intent": req.intent,
        "name": req.name,
        "project_id": req.project_id,
        "sources": [vars(s) for s in req.sources],
        "targets": [vars(t) for t in req.targets],
        "constraints": req.constraints,
        "hints": req.hints,
    }


def _result(record: Generation, request: StoreGenerationInput) -> GenerationResult:
    return GenerationResult(
        generation_id=record.id,
        status=record.status,
        usage=Usage(
            record.provider,
            record.model,
            record.prompt_tokens,
            record.completion_tokens,
            record.cost_usd,
        ),
        attempts=record.attempts,
        errors=list(record.errors),
        pipeline_id=record.pipeline_id if record.status in SAVED else None,
        version_number=record.version_number,
        version=(record.artifacts or {}).get("version"),
        description=request.check.description,
        tags=request.check.tags,
        artifacts=record.artifacts,
        interpretation=list((record.artifacts or {}).get("interpretation") or []),
        unresolved=list((record.artifacts or {}).get("unresolved") or []),
    )
