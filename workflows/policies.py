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


# LLM calls: one chat completion. Rate limits and outages are retried (a 429's Retry-After
# overrides the interval); a refused request (4xx) is not.
LLM_TIMEOUT = timedelta(minutes=3)
LLM_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)


# Webhook deliveries: retried with backoff until delivered or given up. The figures come
# from the worker's settings.webhooks through NotifyPlan (defaults: 12 attempts over ~3.5 h).
WEBHOOK_BACKOFF = 2.0


def webhook_retry(
    max_attempts: int, initial_seconds: float, max_interval_seconds: float
) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=initial_seconds),
        backoff_coefficient=WEBHOOK_BACKOFF,
        maximum_interval=timedelta(seconds=max(initial_seconds, max_interval_seconds)),
        maximum_attempts=max_attempts,
    )


def webhook_timeout(attempt_timeout_seconds: float) -> timedelta:
    """One attempt: the HTTP timeout plus time to resolve, sign and log it."""
    return timedelta(seconds=attempt_timeout_seconds + 15)


# Data assistant (profile, natural-language query): reads bounded by a sample or EXPLAIN;
# a few quick retries for a connection hiccup.
PROFILE_TIMEOUT = timedelta(minutes=5)
PROFILE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,
)


# Batch syncs (the connection syncs API's run_selected): waiting for one connection's run,
# heartbeating so a
# lost worker is noticed; the run itself keeps its own per-step timeouts.
SYNC_WAIT_TIMEOUT = timedelta(hours=24)
SYNC_HEARTBEAT_TIMEOUT = timedelta(seconds=30)
SYNC_HEARTBEAT_EVERY_SECONDS = 5.0
