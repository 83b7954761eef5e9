"""Every recorded history still replays against today's workflow code (determinism guard)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

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
