"""The AI-ETL platform API's ``POST /api/v1/nl-query``: a question → one checked, read-only SELECT.

The API runs NLQueryWorkflow and waits for it: the schema is read from the real database, the
query translated (offline rules, or the configured model), checked against that schema and
EXPLAINed in a read-only transaction. Nothing is executed for the caller but EXPLAIN.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from sqlmodel import select

from api.assistant import execute
from api.deps import CipherDep, ClientDep, SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from connectors.llm.base import chat_client
from connectors.registry import canonical_type
from services import connection_choice
from store import connections as connection_store
from store.models import Connection
from workflows.data_payloads import NLQueryInput, NLQueryResult
from workflows.nl_query import NLQueryWorkflow

router = APIRouter(prefix="/api/v1", tags=["AI services"])

QUERYABLE = ("postgresql", "mysql", "mariadb")


class QuestionSchema(BaseModel):
    tables: list[str] = Field(default_factory=list, max_length=200)


class NLQueryIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    question: str = Field(min_length=1, max_length=2000)
    schema_: QuestionSchema = Field(default_factory=QuestionSchema, alias="schema")
    source: str | None = Field(
        default=None,
        validation_alias=AliasChoices("source", "connection_id", "connection"),
        description="connection id or name; default: the tenant's only SQL connection",
    )


class Tokens(BaseModel):
    prompt: int
    completion: int


class NLQueryOut(BaseModel):
    sql: str
    explanation: str
    estimated_rows: int | None
    estimated_time_ms: int | None = Field(
        description="EXPLAIN ANALYZE's time in a read-only transaction when under 2 s, else null"
    )
    dialect: str
    source: str
    provider: str
    model: str
    tokens: Tokens
    cost_usd: float
    attempts: int


async def _connection(
    session, cipher, settings, tenant_id: str, ref: str | None, tables: list[str], question: str
) -> tuple[Connection, str]:
    """The connection to query, and (no source named, the question's tables named) which of the
    tenant's connections holds them, said in the answer."""
    if ref is None and tables:
        found = await connection_choice.holding(
            session, cipher, settings, tenant_id, tables, QUERYABLE, question
        )
        if found.row is None:
            said = f"no SQL connection of the tenant holds {', '.join(found.missing)}"
            if not found.missing:
                said = f"no one SQL connection of the tenant holds all of {', '.join(tables)}"
            raise ApiError(
                422,
                "UNKNOWN_TABLE",
                f"{said} (looked in {found.looked_in}): name the database with 'source', or "
                f"create its connection ({connection_choice.CREATE_ONE})",
                [
                    {
                        "loc": ["body", "schema", "tables"],
                        "msg": f"unknown table {name!r}: no connection of the tenant holds it",
                        "type": "unknown_table",
                    }
                    for name in found.missing
                ],
            )
        return found.row, found.said(tables)
    if ref is not None:
        row = await connection_store.find(session, tenant_id, ref)
        if row is None:
            raise ApiError(404, "CONNECTION_NOT_FOUND", f"connection {ref!r} not found")
    else:
        rows = [r for r in await _rows(session, tenant_id) if canonical_type(r.type) in QUERYABLE]
        if len(rows) != 1:
            raise ApiError(
                422,
                "VALIDATION_ERROR",
                "name the database to query with 'source' (a connection id or name)",
                [{"loc": ["body", "source"], "msg": "field required", "type": "missing"}],
            )
        row = rows[0]
    if canonical_type(row.type) not in QUERYABLE:
        raise ApiError(
            422,
            "UNSUPPORTED_CONNECTION_TYPE",
            f"natural-language queries run on PostgreSQL and MySQL/MariaDB, not {row.type}",
        )
    return row, ""


async def _rows(session, tenant_id: str) -> list[Connection]:
    return list(await session.exec(select(Connection).where(Connection.tenant_id == tenant_id)))


@router.post("/nl-query", response_model=NLQueryOut, summary="Natural language to SQL")
async def nl_query(
    body: NLQueryIn,
    session: SessionDep,
    client: ClientDep,
    settings: SettingsDep,
    cipher: CipherDep,
    principal: Viewer,
) -> NLQueryOut:
    row, chosen = await _connection(
        session,
        cipher,
        settings,
        principal.tenant_id,
        body.source,
        body.schema_.tables,
        body.question,
    )
    request = NLQueryInput(
        tenant_id=principal.tenant_id,
        connection_id=row.id,
        question=body.question,
        tables=body.schema_.tables,
        use_llm=chat_client(settings) is not None,
        max_repairs=settings.llm.max_repairs,
    )
    result: NLQueryResult = await execute(
        client, settings, NLQueryWorkflow.run, request, kind="nlquery", tenant_id=row.tenant_id
    )
    if result.sql is None:
        messages = "; ".join(e["msg"] for e in result.errors[:5])
        if chosen:
            messages += f" ({chosen})"
        raise ApiError(422, result.error_code or "INVALID_QUERY", messages, result.errors)
    explanation = result.explanation + (f" ({chosen})" if chosen else "")
    return NLQueryOut(
        sql=result.sql,
        explanation=explanation,
        estimated_rows=result.estimated_rows,
        estimated_time_ms=result.estimated_time_ms,
        dialect=result.dialect,
        source=row.id,
        provider=result.provider,
        model=result.model,
        tokens=Tokens(prompt=result.prompt_tokens, completion=result.completion_tokens),
        cost_usd=result.cost_usd,
        attempts=result.attempts,
    )
