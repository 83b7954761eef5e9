"""The planner names the PostgreSQL and DuckDB targets where a completed run leaves nothing
staged: every table staged there is the one input of a replace load, which moves it into place
(in DuckDB, renamed in the target's schema, where the planner stages it)."""

from __future__ import annotations

from domain.definition import PipelineDefinition
from domain.planner import compile_plan
from workflows.payloads import RunInput, RunPlan

TYPES = {
    "src": "postgresql",
    "wh": "postgresql",
    "mart": "postgresql",
    "lake": "files",
    "duck": "duckdb",
}
SOURCE = {"orders": {"connection": "src", "table": "public.orders"}}


def _plan(sinks: dict, **parts) -> RunPlan:
    body = {"sources": SOURCE, "sinks": sinks, **parts}
    return compile_plan(
        PipelineDefinition.model_validate(body),
        RunInput("exec-1", "default", "p-1", 1),
        {name: name for name in TYPES},
        staging_schema="_ductwork",
        pipeline_name="p",
        connection_types=TYPES,
    )


def _sink(connection: str, mode: str, table: str = "public.orders") -> dict:
    return {"connection": connection, "table": table, "mode": mode}


def test_a_replace_moves_all_it_staged():
    cleanup = _plan({"out": _sink("wh", "replace")}).cleanup
    assert (cleanup.connection_ids, cleanup.emptied_by_loads) == (["wh"], ["wh"])


def test_each_target_on_its_own():
    plan = _plan({"a": _sink("wh", "replace"), "b": _sink("mart", "append")})
    assert (plan.cleanup.connection_ids, plan.cleanup.emptied_by_loads) == (["mart", "wh"], ["wh"])


def test_a_plain_copy_leaves_nothing_staged():
    # Its extract and load are one activity, which drops what an append read (RunPlan.fused).
    plan = _plan({"out": _sink("wh", "append")})
    assert plan.fused and plan.cleanup.emptied_by_loads == ["wh"]


def test_staging_that_stays_is_dropped():
    # An append or a merge reads its staged table; two loads of one table copy it.
    for sinks in (
        {"out": {**_sink("wh", "append"), "keys": ["id"], "deduplicate": True}},
        {"out": {**_sink("wh", "merge"), "keys": ["id"]}},
        {"a": _sink("wh", "replace", "public.a"), "b": _sink("wh", "replace", "public.b")},
    ):
        assert _plan(sinks).cleanup.emptied_by_loads == [], sinks


def test_a_transformations_input_stays_staged():
    transform = {"name": "kept", "type": "filter", "input": "orders", "condition": "id > 0"}
    sinks = {"out": {**_sink("wh", "replace"), "input": "kept"}}
    assert _plan(sinks, transformations=[transform]).cleanup.emptied_by_loads == []


def test_other_targets_keep_their_cleanup():
    assert _plan({"out": _sink("lake", "replace", "orders")}).cleanup.emptied_by_loads == []


def test_a_duckdb_replace_moves_all_it_staged():
    # A non-PostgreSQL source: an extract, then a load, both in the DuckDB target.
    source = {"orders": {"connection": "lake", "table": "orders.parquet"}}
    plan = _plan({"out": _sink("duck", "replace", "main.orders")}, sources=source)
    assert (plan.cleanup.connection_ids, plan.cleanup.emptied_by_loads) == (["duck"], ["duck"])
    assert plan.cleanup.left_after_completion() is None


def test_a_duckdb_append_keeps_its_cleanup():
    source = {"orders": {"connection": "lake", "table": "orders.parquet"}}
    plan = _plan({"out": _sink("duck", "append", "main.orders")}, sources=source)
    assert plan.cleanup.emptied_by_loads == []
    left = plan.cleanup.left_after_completion()
    assert left is not None and left.connection_ids == ["duck"]
