"""Run a short data-assistant workflow (profile, natural-language query) from the API and wait
for its answer, with the tenant and kind search attributes every Ductwork workflow carries."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError

from api.errors import ApiError
from core import temporal
from core.settings import Settings
from services.runs import TemporalUnavailable

ASSISTANT_TIMEOUT = timedelta(minutes=10)


async def execute(
    client: Client, settings: Settings, run: Any, arg: Any, *, kind: str, tenant_id: str
) -> Any:
    key = uuid.uuid4().hex
    try:
        return await client.execute_workflow(
            run,
            arg,
            id=temporal.workflow_id(kind, tenant_id, key),
            task_queue=settings.temporal.task_queue,
            search_attributes=temporal.search_attributes(tenant_id, kind),
            execution_timeout=ASSISTANT_TIMEOUT,
        )
    except WorkflowFailureError as exc:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause)
        inner = getattr(cause, "cause", None)
        code = getattr(inner, "type", None) or "ASSISTANT_FAILED"
        detail = getattr(inner, "message", None) or message
        raise ApiError(502 if code == "ASSISTANT_FAILED" else 422, code, detail) from exc
    except RPCError as exc:
        raise TemporalUnavailable(exc.message) from exc
