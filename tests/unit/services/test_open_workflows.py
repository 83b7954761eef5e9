"""services.open_workflows: an open workflow is described once per FRESH_FOR, a closed always."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from temporalio.client import WorkflowExecutionStatus

from services import open_workflows


@dataclass
class _Described:
    status: WorkflowExecutionStatus


class _Temporal:
    """A client whose workflows are in ``status``; it counts the describes it answers."""

    def __init__(self, status: WorkflowExecutionStatus) -> None:
        self.status = status
        self.describes = 0

    def get_workflow_handle(self, _workflow_id: str) -> _Temporal:
        return self

    async def describe(self) -> _Described:
        self.describes += 1
        return _Described(self.status)


async def _read(client: _Temporal, workflow_id: str = "wf") -> WorkflowExecutionStatus:
    described = await open_workflows.describe(client, workflow_id)  # type: ignore[arg-type]
    return described.status  # type: ignore[return-value]


async def test_an_open_workflow_is_described_once_while_fresh():
    client = _Temporal(WorkflowExecutionStatus.RUNNING)
    assert [await _read(client) for _ in range(5)] == [WorkflowExecutionStatus.RUNNING] * 5
    assert client.describes == 1
    await _read(client, "another")  # each workflow has its own
    assert client.describes == 2


async def test_a_workflow_closed_from_outside_is_seen_once_the_description_expires(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(open_workflows, "monotonic", lambda: now[0])
    client = _Temporal(WorkflowExecutionStatus.RUNNING)
    await _read(client)
    client.status = WorkflowExecutionStatus.TERMINATED
    now[0] += open_workflows.FRESH_FOR / 2
    assert await _read(client) is WorkflowExecutionStatus.RUNNING  # within the staleness bound
    now[0] += open_workflows.FRESH_FOR / 2
    assert await _read(client) is WorkflowExecutionStatus.TERMINATED
    assert client.describes == 2


@pytest.mark.parametrize(
    "status", [WorkflowExecutionStatus.COMPLETED, WorkflowExecutionStatus.TERMINATED]
)
async def test_a_closed_workflow_is_never_kept(status):
    client = _Temporal(status)
    assert [await _read(client) for _ in range(3)] == [status] * 3
    assert client.describes == 3


async def test_clients_keep_their_own():
    first, second = (
        _Temporal(WorkflowExecutionStatus.RUNNING),
        _Temporal(WorkflowExecutionStatus.TERMINATED),
    )
    await _read(first)
    assert await _read(second) is WorkflowExecutionStatus.TERMINATED
