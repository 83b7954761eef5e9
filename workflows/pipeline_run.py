"""PipelineRunWorkflow: plan → extract → transform → quality checks → load → clean up.

A cancel ends the run as its targets say. Before the first load commits, the loads roll back
and the run ends CANCELLED with every target as it was. Once a load has committed, a cancel
can no longer undo it: the remaining loads and the bookkeeping run to their end and the run
ends COMPLETED, noting that the cancel came too late (activities/commit_guard.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

# Passed through like the rest: the sandbox re-imports what is not for every new run, and a
# module with a workflow (notify) costs a definition check each time.
with workflow.unsafe.imports_passed_through():
    from activities.bookkeeping import BookkeepingActivities
    from activities.extract import ExtractActivities
    from activities.extract_load import ExtractLoadActivities
    from activities.load import LoadActivities
    from activities.plan import PlanActivities
    from activities.quality import QualityActivities
    from activities.records import RecordActivities
    from activities.staging import StagingActivities
    from activities.transform import TransformActivities
    from core import temporal
    from workflows import policies
    from workflows.approval import ApprovalGate, ApprovalRefused, needs_approval
    from workflows.bookkeeping_payloads import FinishRun
    from workflows.errors import failure_message
    from workflows.lifecycle_payloads import ApprovalRequest, ApprovalStatus
    from workflows.notify import notify_finished
    from workflows.payloads import (
        ExtractLoadStep,
        LoadStep,
        Progress,
        RecordRun,
        RunInput,
        RunPlan,
        RunResult,
        RunStatus,
        StepResult,
        completed_message,
    )
    from workflows.shield import to_the_end
    from workflows.summaries import summary


APPROVAL_GATE_PATCH = "approval-gate"
CANCEL_MATCHES_TARGET_PATCH = "cancel-matches-target"
# Plan + record RUNNING, and cleanup + record the end, each one local activity (no round trip
# to Temporal); NotifyWorkflow only for a tenant with webhooks.
LOCAL_BOOKKEEPING_PATCH = "local-bookkeeping"
# The DuctworkStatus search attribute follows the run's status (the Web UI filters by it), and
# each step's activity carries a summary of what it does.
STATUS_ATTRIBUTE_PATCH = "status-search-attribute"
# A fused plan's extract and load run as one activity in one target transaction.
EXTRACT_LOAD_PATCH = "extract-load"
LATE_CANCEL_NOTE = (
    "the cancel arrived after the load had committed, so the run completed: "
    "its rows are in the target"
)

T = TypeVar("T")


# Outside the sandbox: inside, every new run re-imports this module and checks its definition,
# 20-40 ms of each run's first workflow task. Every import above is passed through anyway, and
# the replay tests still run each recorded history in the sandbox (tests/replay), whose
# restrictions catch a non-deterministic call here.
@workflow.defn(sandboxed=False)
class PipelineRunWorkflow(ApprovalGate):
    def __init__(self) -> None:
        super().__init__()
        self._status = RunStatus.QUEUED
        self._total = 0
        self._completed = 0
        self._running: list[str] = []
        self._failed_step = "plan_run"
        self._late_cancel = False

    @workflow.query
    def progress(self) -> Progress:
        return Progress(
            status=self._status,
            total_tasks=self._total,
            completed_tasks=self._completed,
            current_task=", ".join(self._running) or None,
        )

    def _set_status(self, status: RunStatus) -> None:
        self._status = status
        if workflow.patched(STATUS_ATTRIBUTE_PATCH):
            workflow.upsert_search_attributes([temporal.STATUS.value_set(status.value)])

    @workflow.run
    async def run(self, run: RunInput) -> RunResult:
        plan: RunPlan | None = None
        try:
            if workflow.patched(LOCAL_BOOKKEEPING_PATCH):
                plan = await workflow.execute_local_activity_method(
                    BookkeepingActivities.start_run,
                    run,
                    start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                    retry_policy=policies.BOOKKEEPING_RETRY,
                )
                self._total = len(plan.step_names)
                self._set_status(RunStatus.RUNNING)
            else:
                plan = await workflow.execute_activity_method(
                    PlanActivities.plan_run,
                    run,
                    start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                    retry_policy=policies.BOOKKEEPING_RETRY,
                )
                self._total = len(plan.step_names)
                self._set_status(RunStatus.RUNNING)
                await self._record(run, RunStatus.RUNNING)
            results = await self._execute(plan)
        except (asyncio.CancelledError, ActivityError, ApprovalRefused) as err:
            cancelled = is_cancelled_exception(err)
            status = RunStatus.CANCELLED if cancelled else RunStatus.FAILED
            message = "cancelled on request" if cancelled else self._failure_message(err)
            await self._finish(run, plan, status, message)
            if cancelled:
                raise
            raise ApplicationError(message, type="RUN_FAILED", non_retryable=True) from err
        loads = {step.ref.name for step in plan.loads}
        loaded = sum(r.rows for r in results if r.name in loads)
        note = LATE_CANCEL_NOTE if self._late_cancel else None
        message = completed_message(loaded, note)
        # The target has the rows: a cancel from here on changes nothing, not even the status.
        await self._to_the_end(self._finish(run, plan, RunStatus.COMPLETED, message, note))
        await self._to_the_end(workflow.wait_condition(workflow.all_handlers_finished))
        return RunResult(run.execution_id, RunStatus.COMPLETED, loaded, results, note)

    async def _execute(self, plan: RunPlan) -> list[StepResult]:
        data = {
            "start_to_close_timeout": policies.data_timeout(plan.timeout_minutes),
            "heartbeat_timeout": timedelta(seconds=plan.heartbeat_timeout_seconds),
            "retry_policy": policies.data_retry(plan.retries),
            "cancellation_type": workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        }
        if plan.fused and workflow.patched(EXTRACT_LOAD_PATCH):
            return await self._extract_load(plan, data)
        results: list[StepResult] = []
        # Extracts of different sources are independent: run them side by side.
        results += await self._steps(ExtractActivities.extract, plan.extracts, data)
        for transform in plan.transforms:
            results += await self._steps(TransformActivities.transform, [transform], data)
        held: list[ActivityError] = []
        results += await self._steps(QualityActivities.check, plan.quality, data, held=held)
        if held:
            if not workflow.patched(APPROVAL_GATE_PATCH):
                raise held[0]
            await self._approval_gate(plan, held)
        staged = _rows_by_table(plan, results)
        run_steps = self._ended_by_load(plan)
        for index, load in enumerate(plan.loads):
            counted = dataclasses.replace(
                load, input_rows=staged.get(load.input_table), run_steps=run_steps
            )
            if index == 0:
                results.append(await self._load(counted, data))
            else:
                # A load has committed: CANCELLED would claim a target untouched that is not.
                results.append(await self._to_the_end(self._load(counted, data)))
        return results

    def _ended_by_load(self, plan: RunPlan) -> int | None:
        """The run's number of steps when its one load ends it, leaving nothing staged (a
        fused plan's always does): that load records the end as it commits
        (``LoadStep.run_steps``). None otherwise."""
        if len(plan.loads) == 1 and plan.cleanup.left_after_completion() is None:
            return self._total
        return None

    async def _load(self, step: LoadStep, options: dict) -> StepResult:
        """One load. Cancelled, it ends as its target says: committed before the cancel took
        hold (its result; the cancel is noted) or rolled back (the cancel stands)."""
        name = step.ref.name
        self._running.append(name)
        try:
            result = await workflow.execute_activity_method(
                LoadActivities.load, step, summary=summary(step), **options
            )
        except (asyncio.CancelledError, ActivityError) as err:
            cancelled = is_cancelled_exception(err)
            if not cancelled or not workflow.patched(CANCEL_MATCHES_TARGET_PATCH):
                if isinstance(err, ActivityError):
                    self._failed_step = name
                raise
            committed = await self._committed(step)
            if committed is None:
                raise
            result = committed
        finally:
            self._running.remove(name)
        if workflow.cancellation_reason() is not None:
            if not workflow.patched(CANCEL_MATCHES_TARGET_PATCH):
                raise asyncio.CancelledError  # how runs recorded before the patch ended
            self._late_cancel = True
        self._completed += 1
        return result

    async def _extract_load(self, plan: RunPlan, options: dict) -> list[StepResult]:
        """A fused plan's extract and load, one activity. Cancelled, it ends as its target
        says, as a load does (``_load``)."""
        (extract,), (load,) = plan.extracts, plan.loads
        step = ExtractLoadStep(
            extract, dataclasses.replace(load, run_steps=self._ended_by_load(plan))
        )
        names = [extract.ref.name, load.ref.name]
        self._running.extend(names)
        try:
            results = await workflow.execute_activity_method(
                ExtractLoadActivities.extract_load, step, summary=summary(step), **options
            )
        except (asyncio.CancelledError, ActivityError) as err:
            if not is_cancelled_exception(err):
                if isinstance(err, ActivityError):
                    self._failed_step = _failed_step(err) or extract.ref.name
                raise
            committed = await self._committed(load)
            if committed is None:
                raise
            results = [StepResult(extract.ref.name, committed.rows), committed]
        finally:
            for name in names:
                self._running.remove(name)
        if workflow.cancellation_reason() is not None:
            self._late_cancel = True
        self._completed += len(names)
        return results

    async def _committed(self, step: LoadStep) -> StepResult | None:
        """The load's result if it committed before it stopped, read from its target."""
        try:
            return await workflow.execute_activity_method(
                LoadActivities.outcome,
                step,
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
        except ActivityError as err:
            # The load said it was cancelled before its commit; without the target's word
            # that stands.
            workflow.logger.warning("reading the outcome of a cancelled load failed: %s", err)
            return None

    async def _to_the_end(self, work: Awaitable[T]) -> T:
        return await to_the_end(work, self._note_late_cancel)

    def _note_late_cancel(self) -> bool:
        """A cancel after a commit: noted (runs recorded before the patch let it through)."""
        if not workflow.patched(CANCEL_MATCHES_TARGET_PATCH):
            return False
        self._late_cancel = True
        return True

    async def _steps(
        self,
        method: Callable[..., Awaitable[StepResult]],
        steps: Sequence[Any],
        options: dict,
        *,
        held: list[ActivityError] | None = None,
    ) -> list[StepResult]:
        """Run steps side by side; ``held`` collects (not raises) approval requests."""

        async def one(step: Any) -> StepResult:
            self._running.append(step.ref.name)
            try:
                return await workflow.execute_activity_method(
                    method, step, summary=summary(step), **options
                )
            except ActivityError:
                self._failed_step = step.ref.name
                raise
            finally:
                self._running.remove(step.ref.name)

        outcomes = await asyncio.gather(*(one(s) for s in steps), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and (held is None or not needs_approval(outcome)):
                raise outcome
        for outcome in outcomes:
            if isinstance(outcome, ActivityError) and held is not None:
                held.append(outcome)
        self._completed += len(outcomes)
        return [o for o in outcomes if not isinstance(o, BaseException)]

    async def _approval_gate(self, plan: RunPlan, held: list[ActivityError]) -> None:
        """Only ``approve`` checks failed: wait for a decision before loading."""
        ref = plan.quality[0].ref
        problems = [p for err in held for p in _details(err)]
        self._running.append("approval")
        try:
            outcome = await self.await_approval(
                ApprovalRequest(
                    tenant_id=ref.tenant_id,
                    kind="run",
                    subject=f"load run {ref.execution_id} of {plan.pipeline_name} despite "
                    f"failed checks: {'; '.join(problems)}",
                    timeout_seconds=plan.approval_timeout_seconds,
                    pipeline_id=ref.pipeline_id,
                    execution_id=ref.execution_id,
                    details=problems,
                )
            )
        finally:
            self._running.remove("approval")
        if outcome.status != ApprovalStatus.APPROVED:
            self._failed_step = "approval"
            if outcome.status == ApprovalStatus.REJECTED:
                raise ApprovalRefused(
                    f"rejected by {outcome.decided_by}: {outcome.reason or 'no reason given'}"
                )
            raise ApprovalRefused(
                f"approval request {outcome.request_id} expired without a decision after "
                f"{_duration(plan.approval_timeout_seconds)}, so nothing was loaded; run the "
                "pipeline again and have an admin decide in time "
                "(DUCTWORK_LIFECYCLE__RUN_APPROVAL_TIMEOUT_SECONDS sets the wait)"
            )

    async def _finish(
        self,
        run: RunInput,
        plan: RunPlan | None,
        status: RunStatus,
        message: str,
        note: str | None = None,
    ) -> None:
        if workflow.patched(LOCAL_BOOKKEEPING_PATCH):
            await self._finish_locally(run, plan, status, message, note)
            return
        if plan is not None:
            await self._drop_staging(plan)
        await self._record(run, status, message, note)
        self._set_status(status)  # only once the store agrees, so readers never see it earlier
        await notify_finished(
            run.tenant_id,
            run.execution_id,
            run.pipeline_id,
            status.value,
            plan.pipeline_name if plan else None,
        )

    async def _finish_locally(
        self,
        run: RunInput,
        plan: RunPlan | None,
        status: RunStatus,
        message: str,
        note: str | None,
    ) -> None:
        """Cleanup and record in one local activity; a cleanup that failed there is retried
        as an activity of its own once the end is recorded."""
        record = RecordRun(run.execution_id, run.tenant_id, status, self._total, message, note)
        finished = await workflow.execute_local_activity_method(
            BookkeepingActivities.finish_run,
            FinishRun(record, plan.cleanup if plan is not None else None),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        self._set_status(status)  # only once the store agrees, so readers never see it earlier
        if not finished.cleaned and plan is not None:
            await self._drop_staging(plan)
        if finished.notify:
            await notify_finished(
                run.tenant_id,
                run.execution_id,
                run.pipeline_id,
                status.value,
                plan.pipeline_name if plan else None,
            )

    async def _drop_staging(self, plan: RunPlan) -> None:
        try:
            await workflow.execute_activity_method(
                StagingActivities.drop_staging,
                plan.cleanup,
                start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                retry_policy=policies.BOOKKEEPING_RETRY,
            )
        except ActivityError as err:
            # Leftover staging tables are named by run; the outcome must still be recorded.
            workflow.logger.warning("staging cleanup failed: %s", failure_message(err))

    def _failure_message(self, err: BaseException) -> str:
        """The failed step and the innermost message: what actually went wrong."""
        return f"{self._failed_step}: {failure_message(err)}"

    async def _record(
        self,
        run: RunInput,
        status: RunStatus,
        message: str | None = None,
        note: str | None = None,
    ) -> None:
        await workflow.execute_activity_method(
            RecordActivities.record_run,
            RecordRun(run.execution_id, run.tenant_id, status, self._total, message, note),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )


def _rows_by_table(plan: RunPlan, results: list[StepResult]) -> dict[str, int]:
    """Rows in each staging table, summed over the steps that filled it (ranges share one)."""
    rows = {r.name: r.rows for r in results}
    staged: dict[str, int] = {}
    for extract in plan.extracts:
        staged[extract.staging_table] = staged.get(extract.staging_table, 0) + rows.get(
            extract.ref.name, 0
        )
    for transform in plan.transforms:
        staged[transform.output_table] = rows.get(transform.ref.name, 0)
    return staged


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _failed_step(err: ActivityError) -> str | None:
    """The step an activity that runs several says it failed in (its error's first detail)."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.details and isinstance(cause.details[0], str):
        return cause.details[0]
    return None


def _details(err: ActivityError) -> list[str]:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.details:
        return [str(d) for d in cause.details]
    return [failure_message(err)]
