"""Temporal's description of a run's workflow, asked at most once per ``FRESH_FOR`` while open.

A status read of a batch run takes its progress from the store; it needs the workflow's word only
to learn that the workflow closed without recording the run's end (terminated or timed out from
outside) or is gone. A client polling a run (a GET every 20 ms) would otherwise make each read a
describe: a round trip, and CPU on the Temporal server while the run itself needs it.

So an open workflow's description is kept ``FRESH_FOR`` seconds, per client and workflow id, in
this process. A closed or missing workflow is never kept: the read that sees it settles the run
in the store, whose record is final from then on. Staleness bound: a run whose workflow is
terminated from outside still reads RUNNING for at most ``FRESH_FOR`` seconds after the
terminate (plus the one describe that then sees it), then its settled status. Settling a run
for a new start (``services.runs.reconcile``) always asks Temporal.
"""

from __future__ import annotations

from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus

FRESH_FOR = 1.0
"""Seconds an open workflow's description is reused: the staleness bound of a status read."""
KEPT = 1024
"""Past this many kept descriptions (of one client), the expired ones are dropped."""

_kept: WeakKeyDictionary[Any, dict[str, tuple[float, WorkflowExecutionDescription]]] = (
    WeakKeyDictionary()
)


async def describe(client: Client, workflow_id: str) -> WorkflowExecutionDescription:
    """The workflow's description: a kept one while fresh, else Temporal's (RPCError as the
    handle's ``describe`` raises it), kept when the workflow is open."""
    kept = _kept.setdefault(client, {})
    now = monotonic()
    found = kept.get(workflow_id)
    if found is not None and found[0] > now:
        return found[1]
    described = await client.get_workflow_handle(workflow_id).describe()
    if described.status is WorkflowExecutionStatus.RUNNING:
        if len(kept) >= KEPT:
            for stale in [key for key, (until, _) in kept.items() if until <= now]:
                del kept[stale]
        kept[workflow_id] = (monotonic() + FRESH_FOR, described)
    else:
        kept.pop(workflow_id, None)
    return described
