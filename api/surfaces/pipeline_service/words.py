"""The pipeline service surface's words (/v1): its own API shows RunStatus values as they are;
the Airflow views show Airflow's run and task instance states."""

from __future__ import annotations

from domain.status import RunStatus

AIRFLOW_RUN_STATES: dict[RunStatus, str] = {
    RunStatus.QUEUED: "queued",
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "success",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "failed",
}
"""A run's status as an Airflow DAG run state."""

AIRFLOW_TASK_STATES: dict[RunStatus, str] = {**AIRFLOW_RUN_STATES, RunStatus.CANCELLED: "removed"}
"""A step's status as an Airflow task instance state."""


def airflow_state(states: dict[RunStatus, str], status: str) -> str:
    """``status`` in Airflow's words; a status outside RunStatus is shown lower-cased."""
    try:
        return states[RunStatus(status)]
    except ValueError:
        return status.lower()
