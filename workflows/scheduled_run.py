"""ScheduledRunWorkflow: what a pipeline's Temporal Schedule starts at each scheduled time.

It starts the pipeline's run the way the API does (an execution row, then PipelineRunWorkflow
under ``{tenant}/run/{execution}``), so scheduled runs are listed, cancelled and costed like
any other; a run that cannot start (one still in progress) raises a SCHEDULE_MISSED alert.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.lifecycle import LifecycleActivities
    from workflows import policies
    from workflows.lifecycle_payloads import ScheduledRunInput, ScheduledRunResult


@workflow.defn
class ScheduledRunWorkflow:
    @workflow.run
    async def run(self, scheduled: ScheduledRunInput) -> ScheduledRunResult:
        return await workflow.execute_activity_method(
            LifecycleActivities.start_scheduled_run,
            scheduled,
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
