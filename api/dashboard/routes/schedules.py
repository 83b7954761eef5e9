"""Schedules and deployments: every schedule of the tenant and the live deployments."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.dashboard.rendering import render
from api.deps import SessionDep, SettingsDep, Viewer
from store import deployments as deployment_store
from store import monitoring as monitoring_store
from store import schedules as schedule_store

router = APIRouter(prefix="/ui/schedules", include_in_schema=False)


@router.get("")
async def schedule_list(
    request: Request, session: SessionDep, settings: SettingsDep, principal: Viewer
) -> Response:
    return render(
        request,
        "schedules.html",
        {
            "schedules": await schedule_store.listed(session, principal.tenant_id),
            "deployments": await deployment_store.deployed(session, principal.tenant_id),
            "names": await monitoring_store.pipeline_names(session, principal.tenant_id),
            "temporal_web": settings.temporal.web_url,
            "namespace": settings.temporal.namespace,
        },
        principal=principal,
        section="schedules",
    )
