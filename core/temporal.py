"""Temporal client factory and Ductwork's search attributes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from core import telemetry
from core.logging import get_logger
from core.settings import Settings, TemporalSettings

log = get_logger("ductwork.temporal")

TENANT = SearchAttributeKey.for_keyword("DuctworkTenant")
PIPELINE_ID = SearchAttributeKey.for_keyword("DuctworkPipelineId")
PIPELINE_NAME = SearchAttributeKey.for_keyword("DuctworkPipelineName")
KIND = SearchAttributeKey.for_keyword("DuctworkKind")
STATUS = SearchAttributeKey.for_keyword("DuctworkStatus")
"""A run's status as it moves (RUNNING, COMPLETED, …), upserted by the run workflow."""

SEARCH_ATTRIBUTES = (TENANT, PIPELINE_ID, PIPELINE_NAME, KIND, STATUS)

UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
"""The RPC statuses that mean the Temporal server could not be reached (the API answers 503)."""


def search_attributes(
    tenant_id: str,
    kind: str,
    pipeline_id: str | None = None,
    pipeline_name: str | None = None,
) -> TypedSearchAttributes:
    """The search attributes every Ductwork workflow and schedule carries."""
    pairs = [SearchAttributePair(TENANT, tenant_id), SearchAttributePair(KIND, kind)]
    if pipeline_id:
        pairs.append(SearchAttributePair(PIPELINE_ID, pipeline_id))
    if pipeline_name:
        pairs.append(SearchAttributePair(PIPELINE_NAME, pipeline_name))
    return TypedSearchAttributes(pairs)


CONNECT_ATTEMPTS = 30


async def connect(settings: Settings) -> Client:
    """Connect, waiting up to ~30 s for a server that is still starting (compose, `up`)."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            return await Client.connect(
                settings.temporal.address,
                namespace=settings.temporal.namespace,
                # On the client and so on its workers: one trace from the request to each step.
                interceptors=[TracingInterceptor()],
                runtime=telemetry.temporal_runtime(settings.telemetry)[0],
                tls=tls_config(settings.temporal),
                api_key=settings.temporal.api_key.get_secret_value()
                if settings.temporal.api_key
                else None,
            )
        except RuntimeError:
            if attempt == CONNECT_ATTEMPTS:
                raise
            log.warning("temporal not reachable yet", address=settings.temporal.address)
            await asyncio.sleep(1)
    raise RuntimeError("unreachable")


def tls_config(settings: TemporalSettings) -> TLSConfig | bool:
    """TLS for a remote cluster: mTLS with a client certificate, or server TLS (an API key
    needs it too); plain TCP for the dev server."""
    if not (settings.tls or settings.api_key or settings.tls_client_cert):
        return False

    def read(path: Path | None) -> bytes | None:
        return path.read_bytes() if path else None

    return TLSConfig(
        server_root_ca_cert=read(settings.tls_server_ca_cert),
        client_cert=read(settings.tls_client_cert),
        client_private_key=read(settings.tls_client_key),
        domain=settings.tls_server_name,
    )


async def ensure_retention(client: Client, days: int) -> None:
    """Keep closed workflows' histories ``days`` on the client's namespace (the dev server
    that `ductwork up` starts keeps them one day otherwise)."""
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=client.namespace,
            config=NamespaceConfig(
                workflow_execution_retention_ttl=Duration(seconds=days * 86_400)
            ),
        )
    )


TRANSIENT = (*UNREACHABLE, RPCStatusCode.CANCELLED)
"""The RPC statuses a busy server answers now and then; a start-up call is tried again on them."""


async def ensure_search_attributes(client: Client, *, attempts: int = 6) -> None:
    """Register Ductwork's search attributes on the namespace if they are missing.

    A busy dev server now and then cancels an operator call; it is tried again (backing off from
    0.1 s) before the start-up fails.
    """
    for attempt in range(attempts):
        try:
            await _register_search_attributes(client)
            return
        except RPCError as exc:
            if exc.status not in TRANSIENT or attempt == attempts - 1:
                raise
            log.warning("search attributes not registered yet", error=exc.message, attempt=attempt)
            await asyncio.sleep(0.1 * 2**attempt)


async def _register_search_attributes(client: Client) -> None:
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing.custom_attributes
    }
    if not missing:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    except RPCError as exc:
        # The API and the worker start together; whichever registers second finds them there.
        if exc.status is not RPCStatusCode.ALREADY_EXISTS:
            raise


def workflow_id(kind: str, tenant_id: str, key: str) -> str:
    """Every Ductwork workflow id is ``{tenant}/{kind}/{key}``, e.g. ``acme/run/exec-1``.

    The tenant is in the id (so ids never collide across tenants) and in the ``DuctworkTenant``
    search attribute, which the workflow endpoints check before touching a handle.
    """
    return f"{tenant_id}/{kind}/{key}"


def workflow_ui_url(settings: Settings, workflow_id: str) -> str:
    return (
        f"{settings.temporal.web_url}/namespaces/{settings.temporal.namespace}"
        f"/workflows/{quote(workflow_id, safe='')}"
    )
