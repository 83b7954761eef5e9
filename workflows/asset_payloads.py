"""Inputs and outputs of AssetPipelineWorkflow and its activities: names, ids, config values
and small outputs; never rows or credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.status import RunStatus


@dataclass
class AssetRunInput:
    run_id: str
    tenant_id: str
    pipeline: str


@dataclass
class AssetNode:
    name: str
    deps: list[str] = field(default_factory=list)


@dataclass
class AssetPlan:
    """What the run materialises; empty when the run is gone (its start was given up)."""

    assets: list[AssetNode] = field(default_factory=list)
    heartbeat_timeout_seconds: float = 20.0
    timeout_minutes: int = 60
    retries: int = 2


@dataclass
class AssetStep:
    """One asset of a run; the activity reads the asset's definition from the run's row."""

    run_id: str
    tenant_id: str
    asset: str


@dataclass
class AssetOutcome:
    asset: str
    output: dict[str, Any] = field(default_factory=dict)


@dataclass
class AssetRunEnd:
    run_id: str
    tenant_id: str
    status: RunStatus
    error: str | None = None
    failed_asset: str | None = None


@dataclass
class AssetRunResult:
    run_id: str
    status: RunStatus
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    failed_asset: str | None = None
