"""Extract a micro-batch of a stream source (Kafka) into its sink's staging.

The read starts at the position the target keeps (``connectors.offsets``), committed there by
the last load with its rows, and ends at the partitions' ends or the batch's limits. A retried
extract starts from the same position and stages afresh, so whatever the attempt, the load
that follows commits exactly the rows and the position they end at. The step's result
``detail`` says where the read ended and how far behind each partition is (JSON).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from activities.engine import stored_mark
from activities.extract import run_stoppable
from activities.runtime import ActivityDeps, StepContext, closing
from connectors import offsets, postgres
from connectors.base import Connector
from connectors.duckdb.staging import DuckStaging
from connectors.kafka.config import KafkaConfig
from connectors.kafka.read import ReadSpec, commit_to_group, read
from connectors.postgres.arrow_ingest import ingest
from connectors.postgres.copy import ensure_schema
from connectors.postgres.sql import Relation
from connectors.postgres.state import TargetState
from workflows.payloads import ExtractStep


async def extract_stream(
    deps: ActivityDeps,
    step: ExtractStep,
    ctx: StepContext,
    config: KafkaConfig,
    duck: tuple[DuckStaging, Connector, Any] | None,
) -> str:
    """Stage the next micro-batch; the read's outcome as the step's detail."""
    spec = ReadSpec.from_json(step.query)
    marks = await _position(deps, step, duck, ctx)
    if spec.commit_group and marks:
        # Opt-in, for other tools' monitoring only: the target's position stays the truth.
        problem = await asyncio.to_thread(commit_to_group, config, spec.commit_group, marks)
        if problem:
            ctx.warning("committing the position to the consumer group failed", error=problem)
    ctx.info("reading", topics=",".join(spec.topics), partitions_known=len(marks))
    schema, batches, outcome = await run_stoppable(
        lambda stop: read(config, spec, marks, ctx.metrics, stop)
    )
    messages = sum(b.num_rows for b in batches)
    staged = Relation.parse(step.staging_table)
    if duck is not None:
        staging = duck[0]
        await run_stoppable(
            lambda stop: staging.ingest(staged, schema, iter(batches), ctx.metrics, stop=stop)
        )
    else:
        target_config = await deps.postgres_config(step.ref.tenant_id, step.target_connection_id)
        conn = await postgres.connect(target_config)
        try:
            await ensure_schema(conn, staged.schema)
        finally:
            await closing(conn)
        await run_stoppable(
            lambda stop: ingest(
                target_config, staged, schema, iter(batches), ctx.metrics, stop=stop
            )
        )
    ctx.info("staged", messages=messages, lag=json.dumps(outcome.lag, sort_keys=True))
    return outcome.detail(messages)


async def _position(
    deps: ActivityDeps,
    step: ExtractStep,
    duck: tuple[DuckStaging, Connector, Any] | None,
    ctx: StepContext,
) -> offsets.Marks:
    """The position the target holds (its last committed load's); empty: from the start."""
    cursor = step.cursor
    if cursor is None:
        return {}
    if cursor.full_refresh:
        ctx.info("full refresh: the stored position is ignored", source=cursor.source)
        return {}
    if duck is not None:
        staging, connector, target_config = duck
        text = await asyncio.to_thread(
            stored_mark, connector, target_config, staging, step.ref.pipeline_id, cursor
        )
    else:
        conn = await deps.connect(step.ref.tenant_id, step.target_connection_id)
        try:
            state = TargetState(conn, deps.settings.staging_schema)
            await state.ensure()
            text = await state.cursor(step.ref.pipeline_id, cursor.source)
        finally:
            await closing(conn)
    marks = offsets.parse(text)
    ctx.info("position", source=cursor.source, partitions=len(marks))
    return marks
