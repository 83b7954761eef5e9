"""ScheduledRunWorkflow: what a pipeline's Temporal Schedule starts at each scheduled time.

It starts the pipeline's run the way the API does (an execution row, then PipelineRunWorkflow
under ``{tenant}/run/{execution}``), so scheduled runs are listed, cancelled and costed like
any other. A time whose run cannot start raises a SCHEDULE_MISSED alert: the pipeline is
still running, paused, deleted or lacks parameters, or starting failed until retries ran out.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.lifecycle import LifecycleActivities
    from workflows import policies
    from workflows.errors import failure_message
    from workflows.lifecycle_payloads import ScheduledRunInput, ScheduledRunResult, ScheduleMiss

MISS_ALERT_PATCH = "schedule-miss-alert"


@workflow.defn
class ScheduledRunWorkflow:
    @workflow.run
    async def run(self, scheduled: ScheduledRunInput) -> ScheduledRunResult:
        try:
            return await workflow.execute_activity_method(
                LifecycleActivities.start_scheduled_run,
                scheduled,
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
        except ActivityError as err:
            if not workflow.patched(MISS_ALERT_PATCH):
                raise
            reason = f"the run could not be started: {failure_message(err)}"
            await workflow.execute_activity_method(
                LifecycleActivities.record_schedule_miss,
                ScheduleMiss(scheduled, reason),
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
            raise ApplicationError(reason, type="SCHEDULE_MISSED", non_retryable=True) from err
