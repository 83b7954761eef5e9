"""StreamPipelineWorkflow: a continuous pipeline, micro-batch after micro-batch until cancelled.

Each micro-batch is a batch run's steps with their semantics: extract (a stream source reads
on from the position its target keeps) → transform → quality checks → load, the load
committing the rows and the new position in one transaction. The steps keep their names and
the micro-batch number rides on their refs, so every load has its own ledger key.

- A batch that found nothing new is followed by ``idle_seconds`` of waiting.
- A cancel lets the current micro-batch finish (nothing is half-loaded: the batch either
  commits whole or, failing, commits nothing), then the run ends CANCELLED.
- ``pause`` stops starting batches after the current one; ``resume`` goes on. A run started
  again after a cancel reads on from the position in the target: nothing lost or repeated.
- The history stays small: after ``BATCHES_PER_RUN`` batches (or when Temporal suggests it)
  the workflow continues as new, carrying its plan and status.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

from workflows.notify import notify_finished
from workflows.shield import to_the_end

with workflow.unsafe.imports_passed_through():
    from activities.bookkeeping import BookkeepingActivities
    from activities.extract import ExtractActivities
    from activities.load import LoadActivities
    from activities.quality import QualityActivities
    from activities.transform import TransformActivities
    from workflows import policies
    from workflows.bookkeeping_payloads import FinishRun
    from workflows.errors import failure_message
    from workflows.payloads import Progress, RecordRun, RunPlan, RunStatus, StepResult
    from workflows.stream_payloads import StreamInput, StreamState

BATCHES_PER_RUN = 200


@workflow.defn
class StreamPipelineWorkflow:
    def __init__(self) -> None:
        self._status = RunStatus.QUEUED
        self._state = StreamState()
        self._plan: RunPlan | None = None
        self._running: list[str] = []
        self._failed_step = "plan_run"
        self._stop = False  # a cancel arrived during a batch: stop once it is done

    @workflow.query
    def progress(self) -> Progress:
        steps = len(self._plan.step_names) if self._plan else 0
        return Progress(
            status=self._status,
            total_tasks=steps,
            completed_tasks=steps - len(self._running) if self._running else 0,
            current_task=", ".join(self._running) or None,
            stream=self._state.status(),
        )

    @workflow.signal
    def pause(self) -> None:
        self._state.paused = True

    @workflow.signal
    def resume(self) -> None:
        self._state.paused = False

    @workflow.run
    async def run(self, stream: StreamInput) -> None:
        run, self._state, plan = stream.run, stream.state, stream.plan
        try:
            if plan is None:  # planned and recorded RUNNING as a batch run is
                plan = await workflow.execute_local_activity_method(
                    BookkeepingActivities.start_run,
                    run,
                    start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
                    retry_policy=policies.BOOKKEEPING_RETRY,
                )
            self._plan = plan
            self._status = RunStatus.RUNNING
            for _ in range(BATCHES_PER_RUN):
                await workflow.wait_condition(lambda: not self._state.paused)
                started = workflow.now()
                loaded = await to_the_end(self._batch(plan), self._note_cancel)
                if self._stop:
                    raise asyncio.CancelledError
                if not loaded and plan.idle_seconds:
                    await _sleep_unless(lambda: self._state.paused, plan.idle_seconds)
                self._state.window[-1] = (
                    (workflow.now() - started).total_seconds(),
                    self._state.window[-1][1],
                )
                if workflow.info().is_continue_as_new_suggested():
                    break
        except (asyncio.CancelledError, ActivityError) as err:
            cancelled = is_cancelled_exception(err) or self._stop
            status = RunStatus.CANCELLED if cancelled else RunStatus.FAILED
            message = self._end_message(err, cancelled)
            await to_the_end(self._finish(stream, plan, status, message), lambda: True)
            if cancelled:
                raise asyncio.CancelledError from None
            raise ApplicationError(message, type="RUN_FAILED", non_retryable=True) from err
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(StreamInput(run, plan, self._state))

    async def _batch(self, plan: RunPlan) -> int:
        """One micro-batch; the messages it loaded (0: nothing new, nothing loaded)."""
        number = self._state.batches + 1
        data = {
            "start_to_close_timeout": policies.data_timeout(plan.timeout_minutes),
            "heartbeat_timeout": timedelta(seconds=plan.heartbeat_timeout_seconds),
            "retry_policy": policies.data_retry(plan.retries),
            "cancellation_type": workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        }
        reads = await self._steps(ExtractActivities.extract, _numbered(plan.extracts, number), data)
        staged = {e.staging_table: 0 for e in plan.extracts}
        for extract, result in zip(plan.extracts, reads, strict=True):
            staged[extract.staging_table] += result.rows
        messages = sum(r.rows for r in reads if r.detail)
        loaded = 0
        if messages:
            for transform in _numbered(plan.transforms, number):
                (result,) = await self._steps(TransformActivities.transform, [transform], data)
                staged[transform.output_table] = result.rows
            await self._steps(QualityActivities.check, _numbered(plan.quality, number), data)
            for load in _numbered(plan.loads, number):
                counted = dataclasses.replace(load, input_rows=staged.get(load.input_table))
                await self._steps(LoadActivities.load, [counted], data)
            loaded = messages
        self._state.observe(reads, loaded, 0.0, workflow.now().isoformat())
        return loaded

    async def _steps(
        self, method: Callable[..., Awaitable[StepResult]], steps: Sequence[Any], options: dict
    ) -> list[StepResult]:
        async def one(step: Any) -> StepResult:
            self._running.append(step.ref.name)
            try:
                return await workflow.execute_activity_method(method, step, **options)
            except ActivityError:
                self._failed_step = step.ref.name
                raise
            finally:
                self._running.remove(step.ref.name)

        return list(await asyncio.gather(*(one(s) for s in steps)))

    def _note_cancel(self) -> bool:
        self._stop = True
        return True  # the batch goes on to its end; the run stops after it

    def _end_message(self, err: BaseException, cancelled: bool) -> str:
        state = self._state
        if cancelled:
            return (
                f"cancelled on request after {state.batches} micro-batches; "
                f"{state.messages} messages loaded"
            )
        return f"{self._failed_step}: {failure_message(err)}"

    async def _finish(
        self, stream: StreamInput, plan: RunPlan | None, status: RunStatus, message: str
    ) -> None:
        """Staging dropped and the end recorded, as a batch run's (one local activity)."""
        run = stream.run
        total = len(plan.step_names) if plan else 0
        finished = await workflow.execute_local_activity_method(
            BookkeepingActivities.finish_run,
            FinishRun(
                RecordRun(run.execution_id, run.tenant_id, status, total, message),
                plan.cleanup if plan is not None else None,
            ),
            start_to_close_timeout=policies.BOOKKEEPING_TIMEOUT,
            retry_policy=policies.BOOKKEEPING_RETRY,
        )
        self._status = status
        if not finished.cleaned:  # staging tables are named by their run: found and dropped by hand
            workflow.logger.warning("the staging of stream %s was not dropped", run.execution_id)
        if finished.notify:
            await notify_finished(
                run.tenant_id,
                run.execution_id,
                run.pipeline_id,
                status.value,
                plan.pipeline_name if plan else None,
            )


def _numbered(steps: Sequence[Any], number: int) -> list[Any]:
    """The plan's steps for micro-batch ``number``: same names, their own ledger keys."""
    return [dataclasses.replace(s, ref=dataclasses.replace(s.ref, batch=number)) for s in steps]


async def _sleep_unless(condition: Callable[[], bool], seconds: float) -> None:
    """Wait ``seconds``, or less if ``condition`` turns true (a pause); a cancel ends it."""
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(condition, timeout=seconds)
