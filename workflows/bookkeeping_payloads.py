"""Payloads of a run's local bookkeeping activities (activities/bookkeeping.py)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.payloads import CleanupStep, RecordRun


@dataclass
class FinishRun:
    """A run's end: its status recorded and its staging dropped (when it has a plan)."""

    record: RecordRun
    cleanup: CleanupStep | None = None


@dataclass
class RunFinished:
    """What ``finish_run`` did: whether the staging is gone, and whether the tenant has
    webhooks (only then is NotifyWorkflow started)."""

    cleaned: bool
    notify: bool
