"""Inputs and outputs of the lifecycle workflows (approvals, deployments, scheduled runs).

Plain dataclasses, no I/O; shared by the API, the workflows and their activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

APPROVAL_UPDATE = "approval"
"""The name of the Update (and of the pipeline service API's signal) that decides an approval
request."""


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"  # the workflow was cancelled while it waited


@dataclass
class ApprovalRequest:
    """What a workflow asks a person to decide."""

    tenant_id: str
    kind: str  # deployment | run
    subject: str  # in words, e.g. "deploy daily-sales v3 to production"
    timeout_seconds: float
    pipeline_id: str | None = None
    execution_id: str | None = None
    requested_by: str | None = None
    details: list[str] = field(default_factory=list)  # e.g. the checks that failed


@dataclass
class ApprovalDecision:
    """The body of the ``approval`` update: the pipeline service API's {approved, approvedBy,
    reason}."""

    approved: bool
    approved_by: str | None = None
    reason: str | None = None
    actor: str | None = None  # the authenticated caller who sent it


@dataclass
class ApprovalState:
    request_id: str
    workflow_id: str
    status: ApprovalStatus
    subject: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None


@dataclass
class ApprovalRecord:
    """A request or its outcome, written to the store by an activity."""

    request: ApprovalRequest
    state: ApprovalState
    actor: str | None = None


@dataclass
class DeployInput:
    deployment_id: str
    tenant_id: str
    pipeline_id: str
    version: int
    environment: str
    mode: str  # watch_folder | api | git_sync
    requested_by: str
    needs_approval: bool
    approval_timeout_seconds: float
    schedule: str | None = None  # cron; None: the definition's orchestration.schedule
    timezone: str | None = None
    dag_folder: str | None = None  # watch_folder
    git_repo: str | None = None  # git_sync


@dataclass
class DeployPlan:
    """What validation found: names and the schedule the deployment will apply."""

    pipeline_name: str
    version_label: str
    dag_id: str
    schedule: str | None
    timezone: str


@dataclass
class PublishDag:
    deploy: DeployInput
    dag_id: str
    schedule: str | None


@dataclass
class ApplySchedule:
    tenant_id: str
    pipeline_id: str
    schedule: str | None
    timezone: str
    environment: str | None = None  # the deployment's: its schedule is that environment's
    version: int | None = None  # the deployed version, which the schedule runs


@dataclass
class FinishDeployment:
    deployment_id: str
    tenant_id: str
    status: str  # DEPLOYED, REJECTED, EXPIRED, FAILED
    message: str | None = None
    dag_path: str | None = None
    schedule: str | None = None
    timezone: str | None = None


@dataclass
class DeployResult:
    deployment_id: str
    status: str
    dag_id: str
    dag_path: str | None
    deployed_at: datetime | None
    message: str | None = None


@dataclass
class ScheduledRunInput:
    """What a Temporal Schedule's action hands the workflow it starts."""

    tenant_id: str
    pipeline_id: str
    schedule_id: str
    parameters: dict[str, Any] = field(default_factory=dict)
    version: int | None = None  # a deployment's pinned version; None: the current version


@dataclass
class ScheduleMiss:
    """A scheduled time whose run could not be started at all, and why."""

    scheduled: ScheduledRunInput
    reason: str


@dataclass
class ScheduledRunResult:
    execution_id: str | None
    skipped: str | None = None  # why no run started (already running, pipeline deleted …)
