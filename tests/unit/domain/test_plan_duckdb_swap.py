"""The planner stages a dataset beside its DuckDB target table (so the load renames it into
place) only where one replace load reads it; everything else stays in the staging schema."""

from __future__ import annotations

from domain.definition import PipelineDefinition
from domain.planner import compile_plan
from workflows.payloads import RunInput, RunPlan

TYPES = {"src": "postgresql", "lake": "duckdb", "wh": "postgresql"}


def _plan(sinks: dict, **parts) -> RunPlan:
    body = {"sources": {"orders": {"connection": "src", "table": "public.orders"}}}
    return compile_plan(
        PipelineDefinition.model_validate({**body, "sinks": sinks, **parts}),
        RunInput("exec-1", "default", "p-1", 1),
        {name: name for name in TYPES},
        staging_schema="_ductwork",
        pipeline_name="p",
        connection_types=TYPES,
    )


def _schemas(plan: RunPlan) -> dict[str, str]:
    """Each load's input schema, and each extract's staging schema."""
    steps = {load.ref.name: load.input_table for load in plan.loads}
    steps |= {e.ref.name: e.staging_table for e in plan.extracts}
    return {name: table.partition(".")[0] for name, table in steps.items()}


def test_a_replace_into_duckdb_stages_beside_its_target():
    plan = _plan({"out": {"connection": "lake", "table": "mart.orders", "mode": "replace"}})
    assert _schemas(plan) == {"load_out": "mart", "extract_orders": "mart"}
    unqualified = _plan({"out": {"connection": "lake", "table": "orders", "mode": "replace"}})
    assert _schemas(unqualified) == {"load_out": "main", "extract_orders": "main"}


def test_a_transformations_output_is_staged_beside_its_target_and_its_input_is_not():
    transform = {"name": "kept", "type": "filter", "input": "orders", "condition": "id > 0"}
    sinks = {"out": {"connection": "lake", "table": "mart.kept", "mode": "replace"}}
    plan = _plan(sinks, transformations=[transform])
    assert _schemas(plan) == {"load_out": "mart", "extract_orders": "_ductwork"}
    assert plan.transforms[0].output_table.startswith("mart.")


def test_append_merge_shared_datasets_and_other_targets_stay_in_staging():
    for mode, keys in (("append", []), ("merge", ["id"])):
        sinks = {"out": {"connection": "lake", "table": "orders", "mode": mode, "keys": keys}}
        assert set(_schemas(_plan(sinks)).values()) == {"_ductwork"}
    shared = {
        "a": {"connection": "lake", "table": "a", "mode": "replace"},
        "b": {"connection": "lake", "table": "b", "mode": "replace"},
    }
    assert set(_schemas(_plan(shared)).values()) == {"_ductwork"}
    postgres = {"out": {"connection": "wh", "table": "mart.orders", "mode": "replace"}}
    assert set(_schemas(_plan(postgres)).values()) == {"_ductwork"}
