"""NLQueryWorkflow: question → one checked, read-only SELECT with an explanation and EXPLAIN's
estimate of its rows.

read the schema (activity) → translate: the offline rules (activity) or the model (LLM
activity) → check against the real schema and EXPLAIN in a read-only transaction (activity) →
with a model, a bounded repair loop that sends the errors back. Nothing of a failing query is
returned: the result then carries the errors instead.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.llm import ChatInput, LLMActivities
    from activities.nlquery import NLQueryActivities
    from ai.nlquery import prompt
    from connectors.llm.base import OFFLINE_MODEL, OFFLINE_PROVIDER
    from workflows import policies
    from workflows.data_payloads import (
        CheckRequest,
        CheckResult,
        NLQueryInput,
        NLQueryResult,
        SchemaRequest,
        SchemaSnapshot,
        TranslateRequest,
    )


def _failed(code: str, errors: list[dict], schema: SchemaSnapshot | None, **kw) -> NLQueryResult:
    return NLQueryResult(
        sql=None,
        explanation="",
        dialect=schema.dialect if schema else "",
        error_code=code,
        errors=errors,
        **kw,
    )


@workflow.defn
class NLQueryWorkflow:
    @workflow.run
    async def run(self, request: NLQueryInput) -> NLQueryResult:
        schema = await self._schema(request)
        if schema.missing or not schema.tables:
            names = schema.missing or ["(none)"]
            errors = [
                {
                    "loc": ["body", "schema", "tables"],
                    "msg": f"unknown table {name!r}: the connection has no such table",
                    "type": "unknown_table",
                }
                for name in names
            ]
            return _failed("UNKNOWN_TABLE", errors, schema)
        if request.use_llm:
            return await self._with_model(request, schema)
        return await self._offline(request, schema)

    async def _schema(self, request: NLQueryInput) -> SchemaSnapshot:
        return await workflow.execute_activity_method(
            NLQueryActivities.schema,
            SchemaRequest(request.tenant_id, request.connection_id, request.tables),
            start_to_close_timeout=policies.PROFILE_TIMEOUT,
            retry_policy=policies.PROFILE_RETRY,
        )

    async def _check(self, request: NLQueryInput, sql: str, schema: SchemaSnapshot) -> CheckResult:
        return await workflow.execute_activity_method(
            NLQueryActivities.check,
            CheckRequest(request.tenant_id, request.connection_id, sql, schema),
            start_to_close_timeout=policies.PROFILE_TIMEOUT,
            retry_policy=policies.PROFILE_RETRY,
        )

    async def _offline(self, request: NLQueryInput, schema: SchemaSnapshot) -> NLQueryResult:
        translation = await workflow.execute_activity_method(
            NLQueryActivities.translate,
            TranslateRequest(request.question, schema),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        if translation.sql is None:
            errors = [
                {
                    "loc": ["body", "question"],
                    "msg": translation.error or "the question could not be translated",
                    "type": "not_translatable",
                }
            ]
            return _failed("QUERY_NOT_UNDERSTOOD", errors, schema)
        checked = await self._check(request, translation.sql, schema)
        if checked.errors:
            return _failed("INVALID_QUERY", checked.errors, schema)
        return NLQueryResult(
            sql=checked.sql,
            explanation=translation.explanation,
            estimated_rows=checked.estimated_rows,
            estimated_time_ms=checked.estimated_time_ms,
            dialect=schema.dialect,
            provider=OFFLINE_PROVIDER,
            model=OFFLINE_MODEL,
        )

    async def _with_model(self, request: NLQueryInput, schema: SchemaSnapshot) -> NLQueryResult:
        messages = prompt.messages(request.question, schema)
        prompt_tokens = completion_tokens = 0
        cost_usd = 0.0
        provider = model = ""
        errors: list[dict] = []
        attempts = request.max_repairs + 1
        for attempt in range(1, attempts + 1):
            reply = await workflow.execute_activity_method(
                LLMActivities.chat,
                ChatInput(messages=messages, json_mode=True, purpose="nl_query"),
                start_to_close_timeout=policies.LLM_TIMEOUT,
                retry_policy=policies.LLM_RETRY,
            )
            provider, model = reply.provider, reply.model
            prompt_tokens += reply.prompt_tokens
            completion_tokens += reply.completion_tokens
            cost_usd = round(cost_usd + reply.cost_usd, 6)
            try:
                sql, explanation = prompt.parse_reply(reply.text)
            except ValueError as exc:
                errors = [{"loc": ["body", "sql"], "msg": str(exc), "type": "reply_format"}]
            else:
                checked = await self._check(request, sql, schema)
                if not checked.errors:
                    return NLQueryResult(
                        sql=checked.sql,
                        explanation=explanation,
                        estimated_rows=checked.estimated_rows,
                        estimated_time_ms=checked.estimated_time_ms,
                        dialect=schema.dialect,
                        provider=provider,
                        model=model,
                        attempts=attempt,
                        prompt_tokens=prompt_tokens,
                        completion_tokens=completion_tokens,
                        cost_usd=cost_usd,
                    )
                errors = checked.errors
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text},
                prompt.repair([e["msg"] for e in errors]),
            ]
        return _failed(
            "INVALID_QUERY",
            errors,
            schema,
            provider=provider,
            model=model,
            attempts=attempts,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost_usd,
        )
