"""The planner lets an extract stage its rows as one Parquet file only where a files target's
one load takes them as they are and nothing else reads them."""

from __future__ import annotations

from domain.definition import PipelineDefinition
from domain.planner import compile_plan
from workflows.payloads import RunInput, RunPlan

TYPES = {"src": "postgresql", "lake": "files", "wh": "postgresql"}


def _plan(splits: dict | None = None, **parts) -> RunPlan:
    body = {
        "sources": {"orders": {"connection": "src", "table": "public.orders"}},
        "sinks": {"out": {"connection": "lake", "table": "orders", "mode": "replace"}},
        **parts,
    }
    return compile_plan(
        PipelineDefinition.model_validate(body),
        RunInput("exec-1", "default", "p-1", 1),
        {name: name for name in TYPES},
        staging_schema="_ductwork",
        pipeline_name="p",
        connection_types=TYPES,
        splits=splits,
    )


def _to_file(plan: RunPlan) -> dict[str, bool]:
    return {e.ref.name: e.to_file for e in plan.extracts}


def test_a_source_copied_into_files_is_staged_as_a_file():
    assert _to_file(_plan()) == {"extract_orders": True}


def test_a_postgresql_target_stages_in_a_table():
    sinks = {"out": {"connection": "wh", "table": "public.orders", "mode": "replace"}}
    assert _to_file(_plan(sinks=sinks)) == {"extract_orders": False}


def test_rows_that_a_transformation_or_a_check_reads_are_staged_in_a_table():
    transform = {"name": "kept", "type": "filter", "input": "orders", "condition": "id > 0"}
    assert _to_file(_plan(transformations=[transform])) == {"extract_orders": False}
    check = {"type": "row_count", "min": 1}
    assert _to_file(_plan(quality_checks=[check])) == {"extract_orders": False}


def test_rows_that_two_loads_read_are_staged_in_a_table():
    sinks = {
        "a": {"connection": "lake", "table": "a", "mode": "replace"},
        "b": {"connection": "lake", "table": "b", "mode": "append"},
    }
    assert _to_file(_plan(sinks=sinks)) == {"extract_orders": False}


def test_incremental_and_partitioned_sources_are_staged_in_a_table():
    incremental = {
        "orders": {
            "connection": "src",
            "table": "public.orders",
            "incremental": True,
            "cursor": "id",
        }
    }
    sinks = {"out": {"connection": "lake", "table": "orders", "mode": "append"}}
    assert _to_file(_plan(sources=incremental, sinks=sinks)) == {"extract_orders": False}
    split = {
        "orders": {
            "connection": "src",
            "table": "public.orders",
            "partitions": 2,
            "split_by": "id",
        }
    }
    plan = _plan(sources=split, splits={"orders": ["100"]})
    assert set(_to_file(plan).values()) == {False}
