"""CommitGuard on its own: a load in a thread, cancelled before its commit point and after."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from activities.commit_guard import CommitGuard
from connectors.commit_point import LoadCancelled
from workflows.payloads import StepRef

REF = StepRef("exec-guard", "default", "pipe-guard", "load_guard")


async def test_cancelled_before_its_commit_point_a_load_rolls_back():
    release = threading.Event()
    rolled_back = threading.Event()

    def load(*, commit_point: Callable[[], None]) -> str:
        release.wait(5)
        try:
            commit_point()
        except LoadCancelled:
            rolled_back.set()
            raise
        return "committed"

    guard = CommitGuard(REF)
    task = asyncio.ensure_future(guard.in_thread(load))
    await asyncio.sleep(0.05)
    task.cancel()  # as the activity's cancellation arrives: the thread goes on to its point
    await asyncio.sleep(0.05)
    assert not task.done()  # the guard waits for the load's own outcome
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert rolled_back.is_set()
    assert guard.cancel_arrived and not guard.late_cancel


async def test_cancelled_past_its_commit_point_a_load_commits_and_the_cancel_is_noted():
    committing = threading.Event()
    release = threading.Event()

    def load(*, commit_point: Callable[[], None]) -> str:
        commit_point()
        committing.set()
        release.wait(5)
        return "committed"

    guard = CommitGuard(REF)
    task = asyncio.ensure_future(guard.in_thread(load))
    await asyncio.to_thread(committing.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    release.set()
    assert await task == "committed"
    assert guard.late_cancel


async def test_a_commit_under_way_runs_to_its_end():
    started = asyncio.Event()
    done: list[str] = []

    async def commit() -> None:
        started.set()
        await asyncio.sleep(0.1)
        done.append("committed")

    guard = CommitGuard(REF)
    await guard.reached()
    task = asyncio.ensure_future(guard.commit(commit))
    await started.wait()
    task.cancel()
    await task  # no CancelledError: the commit stood
    assert done == ["committed"] and guard.late_cancel


async def test_a_cancel_seen_at_the_point_stops_an_async_load():
    guard = CommitGuard(REF)
    assert guard.cancel()  # before the point: the load will not commit
    with pytest.raises(asyncio.CancelledError):
        await guard.reached()
