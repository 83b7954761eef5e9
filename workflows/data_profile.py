"""DataProfileWorkflow: profile one table in the worker (one activity) and return aggregates."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.profile import ProfileActivities
    from workflows import policies
    from workflows.data_payloads import ProfileInput, ProfileResult


@workflow.defn
class DataProfileWorkflow:
    @workflow.run
    async def run(self, request: ProfileInput) -> ProfileResult:
        return await workflow.execute_activity_method(
            ProfileActivities.profile,
            request,
            start_to_close_timeout=policies.PROFILE_TIMEOUT,
            retry_policy=policies.PROFILE_RETRY,
        )
