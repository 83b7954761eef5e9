"""Profile a table on its own database: the data read stays in the worker, aggregates leave."""

from __future__ import annotations

from temporalio import activity

from activities.runtime import ActivityDeps, to_application_error
from connectors.base import ConnectorError
from connectors.profiling import profile_table
from connectors.registry import canonical_type
from workflows.data_payloads import ProfileInput, ProfileResult


class ProfileActivities:
    def __init__(self, deps: ActivityDeps) -> None:
        self.deps = deps

    @activity.defn(name="profile_table")
    async def profile(self, request: ProfileInput) -> ProfileResult:
        try:
            connector, config = await self.deps.source(request.tenant_id, request.connection_id)
            kind = canonical_type(connector.type) or connector.type
            profile = await profile_table(kind, config, request.table, request.sample_size)
        except ConnectorError as exc:
            if exc.retryable:
                raise to_application_error(exc) from exc
            # Terminal (no such table, wrong credentials): an answer, not a failed workflow.
            return ProfileResult(error_code=exc.error_type, error=exc.message)
        return ProfileResult(profile=profile.as_dict())
