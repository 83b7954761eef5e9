"""Every recorded history still replays against today's workflow code (determinism guard)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.replay.sandboxed_pipeline_run import SandboxedPipelineRun
from workflows.registry import WORKFLOWS

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(HISTORIES.glob("*.json"))
HISTORY_TEXT = {path: path.read_text() for path in RECORDED}


def _workflow_type(history: dict) -> str:
    first = history["events"][0]
    return first["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]


def test_every_workflow_has_recorded_histories():
    recorded = {_workflow_type(json.loads(text)) for text in HISTORY_TEXT.values()}
    missing = {wf.__name__ for wf in WORKFLOWS} - recorded
    assert not missing, f"no recorded history for {missing}: run `make record-histories`"


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, HISTORY_TEXT[path])
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


def _scheduled(history: dict) -> list[str]:
    return [
        e["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        for e in history["events"]
        if "activityTaskScheduledEventAttributes" in e
    ]


@pytest.mark.parametrize(
    ("name", "activities"),
    [
        # A plain copy recorded before its extract and load became one activity: it replays
        # with the two apart, as it ran.
        ("pipeline_run_cancelled_before_commit", ["extract", "load", "load_outcome"]),
        ("pipeline_run_extract_load", ["extract_load"]),
        ("pipeline_run_extract_load_cancelled", ["extract_load", "load_outcome"]),
    ],
)
async def test_a_plain_copy_replays_as_it_ran(name: str, activities: list[str]):
    text = HISTORY_TEXT[HISTORIES / f"{name}.json"]
    data = [a for a in _scheduled(json.loads(text)) if a not in ("plan_run", "record_run")]
    assert [a for a in data if a != "drop_staging"] == activities
    await Replayer(workflows=WORKFLOWS).replay_workflow(WorkflowHistory.from_json(name, text))


@pytest.mark.parametrize(
    "path",
    [p for p in RECORDED if p.stem.startswith("pipeline_run_")],
    ids=lambda p: p.stem,
)
async def test_pipeline_runs_replay_in_the_sandbox(path: Path):
    """PipelineRunWorkflow runs outside the sandbox; its recorded runs replay inside it, so a
    non-deterministic call in its code (the clock, randomness, I/O) still fails here."""
    history = WorkflowHistory.from_json(path.stem, HISTORY_TEXT[path])
    await Replayer(workflows=[SandboxedPipelineRun]).replay_workflow(history)
