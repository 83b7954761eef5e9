"""Webhook deliveries: plan them for a finished run, send one (signed), give one up.

Temporal retries a failed send with the webhook retry policy (workflows/policies.py), so a
delivery outlives worker restarts; every attempt is logged in the store. Secrets are read and
decrypted here, never passed through workflow history.
"""

from __future__ import annotations

import time
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from connectors.base import PolicyDenied
from core.confinement import egress
from core.logging import get_logger
from core.secrets import Cipher
from core.settings import Settings, WebhookSettings
from domain.webhooks import events, signing
from store import webhooks as webhook_store
from store.db import Database
from store.models.assets import AssetRun
from store.models.core import Execution, Pipeline
from store.models.webhooks import Webhook
from workflows.notify_payloads import DeliveryOutcome, DeliveryStep, GiveUp, NotifyInput, NotifyPlan

log = get_logger("ductwork.webhooks")

USER_AGENT = "Ductwork-Webhooks/0.1"
# Gone for good: the receiver says the hook no longer exists.
TERMINAL_STATUS = frozenset({410})


class NotifyActivities:
    def __init__(
        self,
        db: Database,
        cipher: Cipher,
        service_settings: Settings,
    ):
        self.db = db
        self.cipher = cipher
        self.service_settings = service_settings  # the address policy
        self.settings: WebhookSettings = service_settings.webhooks

    @activity.defn(name="plan_notifications")
    async def plan(self, run: NotifyInput) -> NotifyPlan:
        """One delivery per webhook that wants this run's outcome (created once, idempotent)."""
        plan = NotifyPlan(
            max_attempts=self.settings.max_attempts,
            retry_initial_seconds=self.settings.retry_initial_seconds,
            retry_max_interval_seconds=self.settings.retry_max_interval_seconds,
            attempt_timeout_seconds=self.settings.timeout_seconds,
        )
        outcome = events.outcome_of(run.status)
        if outcome is None:
            return plan
        async with self.db.session() as session:
            names = await _pipeline_names(session, run)
            if names is None:
                return plan
            for hook in await webhook_store.for_tenant(session, run.tenant_id):
                if run.kind == "assets" and hook.surface != events.PIPELINE:
                    continue  # asset pipelines are the named batch pipelines API's alone
                if events.wants_named(hook.events, hook.pipelines, hook.surface, outcome, *names):
                    event = events.event_name(hook.surface, outcome)
                    delivery = await webhook_store.add_delivery(
                        session, hook, run.execution_id, event
                    )
                    plan.delivery_ids.append(delivery.id)
        return plan

    @activity.defn(name="deliver_webhook")
    async def deliver(self, step: DeliveryStep) -> DeliveryOutcome:
        attempt = activity.info().attempt
        async with self.db.session() as session:
            delivery = await webhook_store.get_delivery(session, step.delivery_id)
            hook = await session.get(Webhook, delivery.webhook_id) if delivery else None
            if delivery is None or hook is None or delivery.tenant_id != step.tenant_id:
                return DeliveryOutcome(step.delivery_id, "GONE")
            if delivery.status == "DELIVERED":  # a retry after a lost acknowledgement
                return DeliveryOutcome(
                    delivery.id, "DELIVERED", delivery.attempts, delivery.status_code
                )
            outcome = _outcome_of_event(hook.surface, delivery.event)
            payload = await _payload(session, hook.surface, outcome, delivery.execution_id)
            if payload is None:
                return DeliveryOutcome(step.delivery_id, "GONE")
            body, signature = signing.signed_body(
                self.cipher.decrypt(hook.secret_encrypted), payload
            )
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                signing.SIGNATURE_HEADER: signature,
                signing.EVENT_HEADER: delivery.event,
                signing.DELIVERY_HEADER: delivery.id,
            }
        # No store transaction stays open while the receiver answers.
        started = time.perf_counter()
        status_code, error, error_type, terminal = await self._send(hook.url, body, headers)
        async with self.db.session() as session:
            recorded = await webhook_store.record_attempt(
                session,
                delivery.id,
                attempt=attempt,
                status_code=status_code,
                error=error,
                duration_ms=round((time.perf_counter() - started) * 1000),
            )
        log.info(
            "webhook delivery attempt",
            webhook_id=hook.id,
            delivery_id=delivery.id,
            attempt=attempt,
            status_code=status_code,
            error=error,
        )
        if not recorded:
            return DeliveryOutcome(delivery.id, "GONE", attempt, status_code)
        if error is not None:
            raise ApplicationError(
                f"webhook delivery failed: {error}", type=error_type, non_retryable=terminal
            )
        return DeliveryOutcome(delivery.id, "DELIVERED", attempt, status_code)

    async def _send(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None, str | None, bool]:
        """POST to the checked address: status code, error, its type, and whether it is final."""
        import httpx

        try:
            checked = await egress.check_url(url, self.service_settings)
        except PolicyDenied as exc:
            return None, f"URL refused: {exc}", "WEBHOOK_URL_REFUSED", True
        extensions = {"sni_hostname": checked.host} if checked.scheme == "https" else {}
        try:
            # Temporal owns retries; redirects are not followed (they could point inside).
            async with httpx.AsyncClient(
                timeout=self.settings.timeout_seconds, follow_redirects=False, trust_env=False
            ) as http:
                response = await http.post(
                    checked.pinned(),
                    content=body,
                    headers={**headers, "Host": checked.netloc},
                    extensions=extensions,
                )
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500], "WEBHOOK_UNREACHABLE", False
        code = response.status_code
        if 200 <= code < 300:
            return code, None, None, False
        return code, f"HTTP {code}", "WEBHOOK_HTTP_ERROR", code in TERMINAL_STATUS

    @activity.defn(name="give_up_delivery")
    async def give_up(self, step: GiveUp) -> None:
        async with self.db.session() as session:
            await webhook_store.give_up(session, step.delivery_id, step.reason)


async def _pipeline_names(session: AsyncSession, run: NotifyInput) -> tuple[str, ...] | None:
    """The names a webhook may list the run's pipeline by; None when the run is not there."""
    if run.kind == "assets":
        asset_run = await session.get(AssetRun, run.execution_id)
        if asset_run is None or asset_run.tenant_id != run.tenant_id:
            return None
        return (asset_run.pipeline,)
    pipeline = await session.get(Pipeline, run.pipeline_id)
    if pipeline is None or pipeline.tenant_id != run.tenant_id:
        return None
    return (pipeline.id, pipeline.name)


async def _payload(
    session: AsyncSession, surface: str, outcome: str, run_id: str
) -> dict[str, Any] | None:
    """The delivery's body, from the run (a pipeline run or an asset run); None: gone."""
    execution = await session.get(Execution, run_id)
    if execution is not None:
        pipeline = await session.get(Pipeline, execution.pipeline_id)
        return None if pipeline is None else events.payload(surface, outcome, execution, pipeline)
    asset_run = await session.get(AssetRun, run_id)
    return None if asset_run is None else events.asset_run_payload(outcome, asset_run)


def _outcome_of_event(surface: str, event: str) -> str:
    for outcome, name in events.EVENTS[surface].items():
        if name == event:
            return outcome
    raise ApplicationError(f"unknown webhook event {event!r}", non_retryable=True)
