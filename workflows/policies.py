"""Timeouts and retry policies of every activity call, in one place."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# Error types raised by activities that retrying cannot fix.
TERMINAL_ERROR_TYPES = [
    "AUTHENTICATION_FAILED",
    "DATABASE_NOT_FOUND",
    "INVALID_SQL",
    "TABLE_NOT_FOUND",
    "COLUMN_NOT_FOUND",
    "DATA_ERROR",
    "CONSTRAINT_VIOLATION",
    "DEPENDENT_OBJECTS",
    "DATABASE_ERROR",
    "QUALITY_CHECK_FAILED",
    "INVALID_DEFINITION",
    "NOT_FOUND",
]

# Bookkeeping: plan, record, cleanup. Short, retried for a while.
BOOKKEEPING_TIMEOUT = timedelta(seconds=30)
BOOKKEEPING_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=20,
    non_retryable_error_types=TERMINAL_ERROR_TYPES,
)

# Data steps: extract, transform, quality, load. Long, heartbeating.
DATA_HEARTBEAT_TIMEOUT = timedelta(seconds=20)


def data_retry(retries: int) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=60),
        maximum_attempts=retries + 1,
        non_retryable_error_types=TERMINAL_ERROR_TYPES,
    )


def data_timeout(timeout_minutes: int) -> timedelta:
    return timedelta(minutes=timeout_minutes)
