"""The planner fuses a run's extract and load into one activity (``RunPlan.fused``) only for a
plain copy: one PostgreSQL source, whole, into one PostgreSQL target by replace or plain
append, with nothing read or checked between."""

from __future__ import annotations

import pytest

from tests.unit.domain.test_plan_cleanup import _plan, _sink


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_plain_copy_is_fused(mode: str):
    assert _plan({"out": _sink("wh", mode)}).fused


@pytest.mark.parametrize(
    ("sinks", "parts"),
    [
        ({"out": {**_sink("wh", "merge"), "keys": ["id"]}}, {}),
        ({"out": {**_sink("wh", "append"), "keys": ["id"], "deduplicate": True}}, {}),
        ({"a": _sink("wh", "replace", "public.a"), "b": _sink("wh", "replace", "public.b")}, {}),
        ({"out": _sink("lake", "replace", "orders")}, {}),
        ({"out": _sink("wh", "replace")}, {"quality_checks": [{"type": "row_count", "min": 1}]}),
        (
            {"out": {**_sink("wh", "replace"), "input": "kept"}},
            {
                "transformations": [
                    {"name": "kept", "type": "filter", "input": "orders", "condition": "id > 0"}
                ]
            },
        ),
    ],
    ids=["merge", "deduplicating append", "two sinks", "files target", "checked", "transformed"],
)
def test_anything_more_runs_its_steps_apart(sinks: dict, parts: dict):
    assert not _plan(sinks, **parts).fused
