"""Inputs and outputs of NotifyWorkflow and its activities: ids only, no secrets, no rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class NotifyInput:
    """A run that finished; its webhooks are looked up and told by the activities."""

    tenant_id: str
    execution_id: str
    pipeline_id: str  # an asset run's: its pipeline's name
    status: str  # the run's final RunStatus value
    kind: str = "run"  # "run": a pipeline run (executions); "assets": an asset pipeline run


@dataclass
class NotifyPlan:
    delivery_ids: list[str] = field(default_factory=list)
    # From the worker's settings (settings.webhooks), so a deployment can tune retries.
    max_attempts: int = 12
    retry_initial_seconds: float = 10.0
    retry_max_interval_seconds: float = 3600.0
    attempt_timeout_seconds: float = 10.0


@dataclass
class DeliveryStep:
    tenant_id: str
    delivery_id: str


@dataclass
class DeliveryOutcome:
    delivery_id: str
    status: str  # DELIVERED, or GONE when the webhook was deleted meanwhile
    attempts: int = 0
    status_code: int | None = None


@dataclass
class GiveUp:
    tenant_id: str
    delivery_id: str
    reason: str


@dataclass
class NotifyResult:
    delivered: int = 0
    failed: int = 0
    gone: int = 0
