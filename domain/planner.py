"""Compile a pipeline definition into the steps of one run (pure: no I/O).

Data is staged in each sink's database: sources are extracted there, transformations run
there as SQL over the staging tables, and loads move the result into the target tables.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

from sqlglot import exp

from connectors import offsets
from connectors.duckdb import target as duckdb_target
from connectors.kafka.read import ReadSpec
from connectors.postgres.sql import Relation
from connectors.registry import canonical_type, connector_for, is_stream, source_schema
from connectors.source_sql import table_query, transpile
from domain.definition import (
    SQL_DIALECT,
    PipelineDefinition,
    Scalar,
    age_seconds,
    bind_parameters,
    parse_select,
    referenced_tables,
)
from workflows.payloads import (
    CheckSpec,
    CleanupStep,
    Cursor,
    ExtractStep,
    LoadStep,
    Partition,
    QualityStep,
    RunInput,
    RunPlan,
    StepRef,
    TransformStep,
)


def staging_prefix(execution_id: str) -> str:
    return "r_" + hashlib.sha1(execution_id.encode()).hexdigest()[:12] + "_"


def compile_plan(
    definition: PipelineDefinition,
    run: RunInput,
    connection_ids: dict[str, str],
    *,
    staging_schema: str,
    pipeline_name: str,
    parameters: dict[str, Scalar] | None = None,
    heartbeat_timeout_seconds: float = 20.0,
    splits: dict[str, list[str]] | None = None,
    connection_types: dict[str, str] | None = None,
    approval_timeout_seconds: float = 24 * 3600.0,
) -> RunPlan:
    """``connection_ids`` maps each connection reference (id or name) to the connection id;
    ``parameters`` (over the definition's defaults) fill the SQL's ``:name`` placeholders;
    ``splits`` gives, per partitioned source, the boundaries between its ranges;
    ``connection_types`` (by connection id; default PostgreSQL) decides each source's SQL
    dialect; ``approval_timeout_seconds`` bounds the wait of a failed ``approve`` check."""
    values = run_values(definition, parameters)
    prefix = staging_prefix(run.execution_id)
    sources = {name.lower(): name for name in definition.sources}
    default = (definition.default_dataset() or "").lower()

    def ref(name: str) -> StepRef:
        return StepRef(run.execution_id, run.tenant_id, run.pipeline_id, name)

    deps = definition.lineage
    full_refresh = bool(values.get("full_refresh"))

    # Which datasets each target database needs, and how many loads read each of them.
    targets: dict[str, set[str]] = {}
    readers: dict[tuple[str, str], int] = {}
    for sink in definition.sinks.values():
        conn = connection_ids[sink.connection]
        dataset = (sink.input or default).lower()
        targets.setdefault(conn, set()).update(deps(dataset))
        readers[(conn, dataset)] = readers.get((conn, dataset), 0) + 1
    check_conn = next(iter(targets))
    for check in definition.quality_checks:
        for read in check.inputs():  # a custom_sql check may read several datasets
            targets[check_conn].update(deps(read))  # None: the default dataset

    types = connection_types or {}
    # A dataset that one replace load into a DuckDB file reads is staged in the target table's
    # schema: the load swaps it in by a rename (DuckDB moves no table between schemas) instead
    # of copying its rows. Cleanup finds it there by the run's prefix.
    in_target: dict[tuple[str, str], str] = {}
    for sink in definition.sinks.values():
        conn = connection_ids[sink.connection]
        dataset = (sink.input or default).lower()
        if (
            sink.mode.value == "replace"
            and readers[(conn, dataset)] == 1
            and canonical_type(types.get(conn, "postgresql")) == "duckdb"
        ):
            in_target[(conn, dataset)] = duckdb_target.target_relation(sink.table).schema

    def staged(conn: str, dataset: str) -> str:
        kind = "x" if dataset in sources else "t"
        name = f"{prefix}{kind}_{dataset}"
        if len(targets) > 1:
            name += f"_{sorted(targets).index(conn)}"
        return str(Relation(in_target.get((conn, dataset), staging_schema), name[:63]))

    suffix = {conn: (f"_{i}" if len(targets) > 1 else "") for i, conn in enumerate(sorted(targets))}
    # An incremental source feeds one sink (the definition checks it): its mark lives there.
    cursors: dict[tuple[str, str], Cursor] = {}
    for sink in definition.sinks.values():
        conn = connection_ids[sink.connection]
        for lower in deps(sink.input) & set(sources):
            source = definition.sources[sources[lower]]
            if is_stream(types.get(connection_ids[source.connection], "postgresql")):
                # A stream's position moves with the load, as a high-water mark does.
                cursors[(conn, lower)] = Cursor(
                    # The consumer group names the position, as it would on the broker.
                    source=str((source.options or {}).get("consumer_group") or sources[lower]),
                    column=offsets.OFFSET,
                    staging_table=staged(conn, lower),
                    inclusive=False,
                    full_refresh=full_refresh,
                    target_table=str(Relation.parse(sink.table)),
                    kind="offsets",
                )
            elif source.incremental and source.cursor:
                cursors[(conn, lower)] = Cursor(
                    source=sources[lower],
                    column=source.cursor,
                    staging_table=staged(conn, lower),
                    inclusive=sink.mode.value == "merge",
                    full_refresh=full_refresh,
                    target_table=str(Relation.parse(sink.table)),
                )

    def to_file(conn: str, lower: str, ranges: int) -> bool:
        """A source that a files target's one load reads as it is, where no transformation or
        check reads anything: its rows need no table to be staged in."""
        return (
            types.get(conn) == "files"
            and readers.get((conn, lower)) == 1
            and ranges == 1
            and (conn, lower) not in cursors
            and not (conn == check_conn and definition.quality_checks)
            and not any(t.name.lower() in targets[conn] for t in definition.transformations)
        )

    extracts: list[ExtractStep] = []
    transform_steps: list[TransformStep] = []
    for conn, needed in targets.items():
        for lower, name in sources.items():
            if lower not in needed:
                continue
            source = definition.sources[name]
            ranges = _ranges(source.split_column, (splits or {}).get(name, []))
            for i, partition in enumerate(ranges):
                part = f"_p{i + 1}" if len(ranges) > 1 else ""
                extracts.append(
                    ExtractStep(
                        ref=ref(f"extract_{name}{part}{suffix[conn]}"),
                        source_connection_id=connection_ids[source.connection],
                        query=source_query(
                            definition, name, values, types.get(connection_ids[source.connection])
                        ),
                        target_connection_id=conn,
                        staging_table=staged(conn, lower),
                        cursor=cursors.get((conn, lower)),
                        partition=partition,
                        to_file=to_file(conn, lower, len(ranges)),
                    )
                )
        for t in definition.transformations:
            if t.name.lower() not in needed:
                continue
            mapping = {d: staged(conn, d) for d in deps(t.name.lower()) if d != t.name.lower()}
            transform_steps.append(
                TransformStep(
                    ref=ref(f"transform_{t.name}{suffix[conn]}"),
                    connection_id=conn,
                    sql=rewrite_tables(bind_parameters(t.sql, values), mapping),
                    output_table=staged(conn, t.name.lower()),
                )
            )

    quality = []
    if definition.quality_checks:
        checks = [
            CheckSpec(
                name=c.name or f"{c.type}_{i + 1}",
                type=c.type,
                table=staged(check_conn, (c.dataset or default).lower()),
                columns=list(c.columns),
                min=c.min,
                max=c.max,
                severity=c.severity.value,
                column=c.column,
                values=list(c.values or []),
                max_age=c.max_age,
                max_age_seconds=age_seconds(c.max_age) if c.max_age else None,
                sql=_check_sql(c.sql, values, lambda d: staged(check_conn, d)) if c.sql else None,
            )
            for i, c in enumerate(definition.quality_checks)
        ]
        quality.append(QualityStep(ref("quality_checks"), check_conn, checks))

    loads = []
    for sink_name, sink in definition.sinks.items():
        conn = connection_ids[sink.connection]
        dataset = (sink.input or default).lower()
        loads.append(
            LoadStep(
                ref=ref(f"load_{sink_name}"),
                connection_id=conn,
                input_table=staged(conn, dataset),
                target_table=str(Relation.parse(sink.table)),
                mode=sink.mode.value,
                input_is_private=readers[(conn, dataset)] == 1,
                keys=list(sink.keys),
                deduplicate=sink.deduplicate,
                options=dict(sink.options or {}),
                cursors=[
                    c
                    for (c_conn, c_src), c in cursors.items()
                    if c_conn == conn and c_src in deps(dataset)
                ],
            )
        )

    fused = _fusable(extracts, transform_steps, quality, loads, types)

    def emptied(conn: str) -> bool:
        """Whether the loads move every table staged in this database into place: a replace
        of a private input renames it in PostgreSQL, and in DuckDB when it is staged in the
        target's schema (a fused plan's one activity drops its staged table in its
        transaction). A DuckDB target keeps its staging inside; other targets stage in a file
        of the run's, which the cleanup removes."""
        if fused:
            return True
        kind = canonical_type(types.get(conn, "postgresql"))
        if kind not in ("postgresql", "duckdb"):
            return False
        moved = {
            load.input_table
            for load in loads
            if load.connection_id == conn
            and load.mode == "replace"
            and load.input_is_private
            and (kind == "postgresql" or _same_schema(load.input_table, load.target_table))
        }
        return {staged(conn, dataset) for dataset in targets[conn]} <= moved

    return RunPlan(
        extracts=extracts,
        transforms=transform_steps,
        quality=quality,
        loads=loads,
        cleanup=CleanupStep(
            ref("drop_staging"), sorted(targets), prefix, [c for c in sorted(targets) if emptied(c)]
        ),
        retries=definition.orchestration.retries,
        timeout_minutes=definition.orchestration.timeout_minutes,
        pipeline_name=pipeline_name,
        heartbeat_timeout_seconds=heartbeat_timeout_seconds,
        approval_timeout_seconds=approval_timeout_seconds,
        idle_seconds=(
            definition.orchestration.stream.idle_seconds
            if definition.orchestration.mode == "continuous"
            else None
        ),
        fused=fused,
    )


def _fusable(
    extracts: list[ExtractStep],
    transforms: list[TransformStep],
    quality: list[QualityStep],
    loads: list[LoadStep],
    types: dict[str, str],
) -> bool:
    """Whether the run is one PostgreSQL source copied whole into one PostgreSQL target by a
    replace or a plain append, with nothing between: its extract and load can be one activity
    and one target transaction (``RunPlan.fused``)."""
    if transforms or quality or len(extracts) != 1 or len(loads) != 1:
        return False
    (extract,), (load,) = extracts, loads
    connections = (extract.source_connection_id, load.connection_id)
    return (
        extract.partition is None
        and extract.cursor is None
        and not extract.to_file
        and load.mode in ("replace", "append")
        and not load.deduplicate
        and not load.cursors
        and load.input_is_private
        and load.input_table == extract.staging_table
        and load.connection_id == extract.target_connection_id
        and all(canonical_type(types.get(c, "postgresql")) == "postgresql" for c in connections)
    )


def run_values(
    definition: PipelineDefinition, parameters: dict[str, Scalar] | None
) -> dict[str, Scalar]:
    """A run's parameters over the definition's defaults."""
    return {**definition.orchestration.parameters, **(parameters or {})}


def source_query(
    definition: PipelineDefinition,
    name: str,
    values: dict[str, Scalar],
    connection_type: str | None = None,
) -> str:
    """What the source runs: its bound query, or all of its table, in the source's dialect.

    A query is written in the pipeline's SQL (PostgreSQL's) and transpiled by sqlglot.
    """
    source = definition.sources[name]
    connector = connector_for(connection_type or "postgresql")
    if getattr(connector, "stream", False):
        stream = definition.orchestration.stream
        options = source.options or {}
        return ReadSpec(
            topics=source.topics or [Relation.parse(source.table or "").name],
            start=str(options.get("start") or "earliest"),
            max_messages=stream.batch_messages,
            max_seconds=stream.batch_seconds,
            commit_group=(
                str(options.get("consumer_group") or name)
                if options.get("commit_to_broker")
                else None
            ),
        ).to_json()
    if connector.dialect == SQL_DIALECT:
        if source.query:
            return bind_parameters(source.query, values)
        return f"SELECT * FROM {Relation.parse(source.table or '').sql}"
    if source.query:
        return transpile(bind_parameters(source.query, values), connector.dialect)
    relation = Relation.parse(source.table or "")
    return table_query(source_schema(connector, relation.schema), relation.name, connector.dialect)


def _ranges(column: str | None, boundaries: list[str]) -> list[Partition | None]:
    """Open-ended first and last ranges: rows beyond the planned bounds are not missed."""
    if column is None or not boundaries:
        return [None]
    edges: list[str | None] = [None, *boundaries, None]
    return [Partition(column, lo, hi) for lo, hi in itertools.pairwise(edges)]


def _check_sql(sql: str, values: dict[str, Scalar], staged: Callable[[str], str]) -> str:
    """A custom_sql check's query, bound and reading the staging tables of its datasets."""
    return rewrite_tables(
        bind_parameters(sql, values), {d: staged(d) for d in referenced_tables(sql)}
    )


def rewrite_tables(sql: str, mapping: dict[str, str]) -> str:
    """Point a query's references to sources and transformations at their staging tables."""
    tree = parse_select(sql)

    for node in list(tree.find_all(exp.Table)):
        if node.db or node.name.lower() not in mapping:
            continue
        staged = Relation.parse(mapping[node.name.lower()])
        # Renamed in place: a table node also carries what hangs on it (joins in brackets).
        if not node.args.get("alias"):
            node.set("alias", exp.TableAlias(this=exp.to_identifier(node.name)))
        node.set("this", exp.to_identifier(staged.name, quoted=True))
        node.set("db", exp.to_identifier(staged.schema, quoted=True))
    return tree.sql(dialect=SQL_DIALECT)


def _same_schema(staged_table: str, target_table: str) -> bool:
    """Whether a staged table sits in its target's schema (DuckDB renames it in place)."""
    return Relation.parse(staged_table).schema == Relation.parse(target_table).schema
