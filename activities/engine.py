"""Where a sink's datasets are staged: the one seam between the data activities and the
systems they load into.

A PostgreSQL sink stages in its own database (schema ``_ductwork``) and its steps run there
through asyncpg (``None`` below: the activities' PostgreSQL path). Every other sink stages in
DuckDB: a DuckDB target in its own file, files and ClickHouse targets in a DuckDB file of the
run under ``staging_dir`` (a disk every worker shares). Extract, transform and quality checks
then work alike for all of them; only the load differs, by the target's connector.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from activities.runtime import ActivityDeps
from connectors.base import Connector
from connectors.clickhouse import target as clickhouse_target
from connectors.commit_point import CommitPoint
from connectors.duckdb import target as duckdb_target
from connectors.duckdb.staging import DuckStaging
from connectors.duckdb.target import LoadOutcome
from connectors.files import staged as staged_file
from connectors.files import target as files_target
from connectors.kafka import target as kafka_target
from domain.planner import staging_prefix
from workflows.payloads import Cursor, LoadStep, StepRef


class Loader(Protocol):
    """Loads a staged dataset into a target; calls ``commit_point`` right before its commit."""

    def __call__(
        self,
        staging: DuckStaging,
        step: LoadStep,
        load_id: str,
        config: Any,
        log: Callable[..., None],
        *,
        commit_point: CommitPoint,
    ) -> LoadOutcome: ...


def staging_file(staging_dir: str, prefix: str, connection_id: str) -> Path:
    """The DuckDB staging file of one run (its staging prefix) for one target connection."""
    return Path(staging_dir) / f"{prefix}{connection_id}.duckdb"


async def staged_in_duckdb(
    deps: ActivityDeps, tenant_id: str, connection_id: str, prefix: str
) -> tuple[DuckStaging, Connector, Any] | None:
    """The DuckDB staging of a target connection with its connector and config; None: the
    target is PostgreSQL and stages in itself."""
    connector, config = await deps.source(tenant_id, connection_id)
    if connector.type == "postgresql":
        return None
    schema = deps.settings.staging_schema
    if connector.type == "duckdb":
        return DuckStaging(config.path, schema), connector, config
    path = staging_file(deps.settings.staging_dir or "staging", prefix, connection_id)
    return DuckStaging(str(path), schema), connector, config


async def run_staging(
    deps: ActivityDeps, ref: StepRef, connection_id: str
) -> tuple[DuckStaging, Connector, Any] | None:
    """``staged_in_duckdb`` of a step's run (its staging prefix) on ``connection_id``."""
    return await staged_in_duckdb(
        deps, ref.tenant_id, connection_id, staging_prefix(ref.execution_id)
    )


def loader(connection_type: str) -> Loader:
    """How a dataset staged in DuckDB is loaded into a target of this type."""
    loaders: dict[str, Loader] = {
        "duckdb": duckdb_target.load,
        "files": files_target.load,
        "clickhouse": clickhouse_target.load,
        "kafka": kafka_target.load,
    }
    return loaders[connection_type]


def committed_rows(
    connection_type: str, staging: DuckStaging, step: LoadStep, load_id: str, config: Any
) -> int | None:
    """The rows a load committed into a target staged in DuckDB, None when it has nothing of
    it: the DuckDB ledger, the files' part or state; ClickHouse keeps no ledger (None)."""
    if connection_type == "duckdb":
        return duckdb_target.committed_rows(staging, load_id)
    if connection_type == "files":
        return files_target.committed_rows(config, step, load_id)
    return None


def stored_mark(
    connector: Connector, config: Any, staging: DuckStaging, pipeline_id: str, cursor: Cursor
) -> str | None:
    """The high-water mark (text) an incremental source extracts past, kept by its sink's
    target: a DuckDB target in its own file, files in a state object next to the dataset,
    ClickHouse as the cursor column's maximum in the target table. None: none yet."""
    if connector.type == "files":
        return files_target.stored_mark(config, cursor.target_table, pipeline_id, cursor.source)
    if connector.type == "clickhouse" and cursor.kind == "offsets":
        return clickhouse_target.stored_position(config, cursor.target_table)
    if connector.type == "clickhouse":
        return clickhouse_target.stored_mark(config, cursor.target_table, cursor.column)
    return staging.stored_mark(pipeline_id, cursor.source)


def stages_in_target(connection_type: str) -> bool:
    """A DuckDB target keeps its staging inside; other targets have a staging file per run."""
    return connection_type == "duckdb"


def remove_staging_file(path: str) -> int:
    """Delete a run's DuckDB staging file (its write-ahead log, the files staged beside it);
    1 if it was there."""
    removed = staged_file.remove(path)
    for name in (path, f"{path}.wal"):
        try:
            Path(name).unlink()
            removed = 1
        except FileNotFoundError:
            pass
    return removed
