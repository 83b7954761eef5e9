"""Webhooks of the AI-ETL platform API (/api/v1/webhooks) and the named batch pipelines API
(/api/pipeline/webhooks).

Create, list, delete, and read a webhook's delivery log. Secrets are stored encrypted and
never returned (a generated one is shown once, on create). URLs pass the webhook URL policy.
"""

from __future__ import annotations

import secrets
import uuid

from fastapi import APIRouter, Request, Response, status

from api.deps import CipherDep, Editor, PerPageDep, PerPageParams, SessionDep, SettingsDep, Viewer
from api.errors import ApiError
from api.pagination import paged_per_page
from api.surfaces.platform.schemas.webhooks import (
    AttemptOut,
    DeliveryList,
    DeliveryOut,
    PipelineWebhookCreate,
    V1WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
)
from connectors.base import PolicyDenied
from core.confinement import egress
from domain.webhooks import events
from store import webhooks as webhook_store
from store.models.core import utcnow
from store.models.webhooks import Webhook

v1_router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
pipeline_router = APIRouter(prefix="/api/pipeline/webhooks", tags=["webhooks"])


def _out(row: Webhook) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=row.url,
        events=row.events,
        pipelines=row.pipelines,
        created_at=row.created_at,
    )


async def _create(
    surface: str,
    body: V1WebhookCreate | PipelineWebhookCreate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> WebhookCreated:
    try:
        await egress.check_url(body.url, settings)
    except PolicyDenied as exc:
        raise ApiError(
            422,
            "WEBHOOK_URL_REFUSED",
            f"webhook URL refused: {exc}",
            [{"loc": ["body", "url"], "msg": str(exc), "type": "url_refused"}],
        ) from None
    given = body.secret.get_secret_value() if body.secret is not None else None
    secret = given or secrets.token_urlsafe(32)
    generated = None if given else secret
    row = Webhook(
        id=f"whk_{uuid.uuid4().hex}",
        tenant_id=principal.tenant_id,
        surface=surface,
        url=body.url,
        events=list(dict.fromkeys(body.events)),
        pipelines=list(dict.fromkeys(body.pipelines)),
        secret_encrypted=cipher.encrypt(secret),
        created_by=principal.subject,
        created_at=utcnow(),
    )
    await webhook_store.create(session, row)
    return WebhookCreated(**_out(row).model_dump(), secret=generated)


async def _list(
    surface: str,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageParams,
) -> WebhookList:
    rows, total = await webhook_store.page(
        session, principal.tenant_id, surface, page.offset, page.per_page
    )
    paged_per_page(request, response, total, page.page, page.per_page)
    return WebhookList(
        webhooks=[_out(r) for r in rows], total=total, page=page.page, per_page=page.per_page
    )


async def _deliveries(
    surface: str,
    webhook_id: str,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageParams,
) -> DeliveryList:
    webhook = await webhook_store.get(session, principal.tenant_id, webhook_id, surface)
    rows, total = await webhook_store.deliveries_page(session, webhook, page.offset, page.per_page)
    paged_per_page(request, response, total, page.page, page.per_page)
    items = [
        DeliveryOut(
            id=d.id,
            webhook_id=d.webhook_id,
            run_id=d.execution_id,
            event=d.event,
            status=d.status,  # type: ignore[arg-type]
            attempts=d.attempts,
            status_code=d.status_code,
            error=d.error,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            history=[
                AttemptOut(
                    attempt=a.attempt,
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                    at=a.at,
                )
                for a in attempts
            ],
        )
        for d, attempts in rows
    ]
    return DeliveryList(deliveries=items, total=total, page=page.page, per_page=page.per_page)


# --- the AI-ETL platform API: /api/v1/webhooks
# -------------------------------------------------------------


@v1_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    response_model_exclude_none=True,
)
async def create_v1_webhook(
    body: V1WebhookCreate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> WebhookCreated:
    """Notify a URL when runs complete or fail (``pipeline.completed``, ``pipeline.failed``)."""
    return await _create(events.V1, body, session, cipher, settings, principal)


@v1_router.get("", response_model=WebhookList)
async def list_v1_webhooks(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageDep,
) -> WebhookList:
    return await _list(events.V1, request, response, session, principal, page)


@v1_router.get("/{webhook_id}", response_model=WebhookOut)
async def get_v1_webhook(webhook_id: str, session: SessionDep, principal: Viewer) -> WebhookOut:
    return _out(await webhook_store.get(session, principal.tenant_id, webhook_id, events.V1))


@v1_router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_v1_webhook(webhook_id: str, session: SessionDep, principal: Editor) -> Response:
    await webhook_store.delete(session, principal.tenant_id, webhook_id, events.V1)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@v1_router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
async def list_v1_deliveries(
    webhook_id: str,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageDep,
) -> DeliveryList:
    """The delivery log: every event sent, its attempts, status codes and errors."""
    return await _deliveries(events.V1, webhook_id, request, response, session, principal, page)


# --- the named batch pipelines API: /api/pipeline/webhooks
# -------------------------------------------------------


@pipeline_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    response_model_exclude_none=True,
)
async def create_pipeline_webhook(
    body: PipelineWebhookCreate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Editor,
) -> WebhookCreated:
    """Notify a URL when runs of the named pipelines end in ``SUCCESS`` or ``FAILURE``."""
    return await _create(events.PIPELINE, body, session, cipher, settings, principal)


@pipeline_router.get("", response_model=WebhookList)
async def list_pipeline_webhooks(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageDep,
) -> WebhookList:
    return await _list(events.PIPELINE, request, response, session, principal, page)


@pipeline_router.get("/{webhook_id}", response_model=WebhookOut)
async def get_pipeline_webhook(
    webhook_id: str, session: SessionDep, principal: Viewer
) -> WebhookOut:
    return _out(await webhook_store.get(session, principal.tenant_id, webhook_id, events.PIPELINE))


@pipeline_router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pipeline_webhook(
    webhook_id: str, session: SessionDep, principal: Editor
) -> Response:
    await webhook_store.delete(session, principal.tenant_id, webhook_id, events.PIPELINE)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@pipeline_router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
async def list_pipeline_deliveries(
    webhook_id: str,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Viewer,
    page: PerPageDep,
) -> DeliveryList:
    """The delivery log: every event sent, its attempts, status codes and errors."""
    return await _deliveries(
        events.PIPELINE, webhook_id, request, response, session, principal, page
    )
