"""PipelineRunWorkflow as the sandbox runs it, for the replay tests only (see test_replay)."""

from __future__ import annotations

from temporalio import workflow

from workflows.payloads import RunInput, RunResult
from workflows.pipeline_run import PipelineRunWorkflow


@workflow.defn(name="PipelineRunWorkflow")
class SandboxedPipelineRun(PipelineRunWorkflow):
    @workflow.run
    async def run(self, run: RunInput) -> RunResult:
        return await super().run(run)
