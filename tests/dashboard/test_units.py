"""The dashboard's pure parts, table-driven: redirect targets, figures, the step timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.dashboard.live import timeline
from api.dashboard.rendering import duration, number, size, when
from api.dashboard.session import safe_next
from domain.status import RunStatus
from services.runs import RunSnapshot
from store.models import Execution, RunStep
from workflows.payloads import Progress


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/runs/exec-1", "/ui/runs/exec-1"),
        ("/ui/runs?status=FAILED", "/ui/runs?status=FAILED"),
        (None, "/ui/runs"),
        ("", "/ui/runs"),
        ("https://evil.example/ui/", "/ui/runs"),  # another host
        ("//evil.example/ui/x", "/ui/runs"),  # scheme-relative: another host too
        ("/ui//evil.example", "/ui/runs"),
        ("/ui/\\evil.example", "/ui/runs"),
        ("/v1/pipelines", "/ui/runs"),  # outside the dashboard
        ("/uix/runs", "/ui/runs"),
    ],
)
def test_redirects_stay_in_the_dashboard(target, expected):
    assert safe_next(target, "/ui/runs") == expected


@pytest.mark.parametrize(
    ("ms", "shown"),
    [(None, "—"), (0, "0.0 s"), (1234, "1.2 s"), (61_000, "1 min 1 s"), (7_260_000, "2 h 1 min")],
)
def test_durations(ms, shown):
    assert duration(ms) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "0 B"), (0, "0 B"), (512, "512 B"), (2048, "2.0 KB"), (7_197_355, "6.9 MB")],
)
def test_sizes(value, shown):
    assert size(value) == shown


def test_numbers_and_times():
    assert number(1234567) == "1,234,567" and number(None) == "0"
    assert when(None) == "—"
    assert when(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05 UTC"  # naive is UTC
    assert when(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04:05 UTC"


def _step(name: str, start: float, end: float | None, status: RunStatus) -> RunStep:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return RunStep(
        execution_id="exec-1",
        name=name,
        kind=name.split("_")[0],
        status=status.value,
        rows=10,
        started_at=base + timedelta(seconds=start),
        finished_at=None if end is None else base + timedelta(seconds=end),
    )


def test_the_timeline_places_each_step_within_the_run():
    steps = [
        _step("extract_a", 0, 4, RunStatus.COMPLETED),
        _step("extract_b", 0, 2, RunStatus.COMPLETED),
        _step("load_c", 6, None, RunStatus.RUNNING),  # still running: it ends "now"
    ]
    execution = Execution(
        id="exec-1",
        tenant_id="t",
        pipeline_id="p",
        pipeline_version=1,
        workflow_id="t/run/exec-1",
        status=RunStatus.RUNNING.value,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    snapshot = RunSnapshot(execution, steps, RunStatus.RUNNING, Progress(RunStatus.RUNNING, 3, 2))
    bars = timeline(snapshot, now=datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC))
    assert [(b.name, b.left, b.width) for b in bars] == [
        ("extract_a", 0.0, 40.0),
        ("extract_b", 0.0, 20.0),
        ("load_c", 60.0, 40.0),
    ]
    assert [b.duration_ms for b in bars] == [4000, 2000, 4000]  # load_c: so far
    assert (
        timeline(
            RunSnapshot(execution, [], RunStatus.QUEUED, Progress(RunStatus.QUEUED)),
            now=datetime.now(UTC),
        )
        == []
    )
