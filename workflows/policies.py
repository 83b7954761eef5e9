"""Timeouts and retry policies of every activity call, in one place."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# Terminal errors reach Temporal as ApplicationError(non_retryable=True), raised at the
# activity boundary (activities/runtime.py), so no list of error types is kept here.

# Bookkeeping: plan, record, cleanup. Short, retried for a while.
BOOKKEEPING_TIMEOUT = timedelta(seconds=30)
BOOKKEEPING_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=20,
)

# Data steps: extract, transform, quality, load. Long, heartbeating; the heartbeat timeout
# comes with the plan (settings.data_plane.heartbeat_timeout_seconds).


def data_retry(retries: int) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=60),
        maximum_attempts=retries + 1,
    )


def data_timeout(timeout_minutes: int) -> timedelta:
    return timedelta(minutes=timeout_minutes)
