"""The load activity's side of a commit point (``connectors.commit_point``): where a cancel
stops a load, and where it arrives too late.

Cancellation reaches an activity only through a heartbeat's answer, as the cancellation of its
asyncio task. Before the commit point that undoes the load: a PostgreSQL statement is cancelled
and the transaction rolled back; a load in a thread (DuckDB, files, ClickHouse) is told at its
commit point and rolls back there; either way the activity raises CancelledError and the run
ends CANCELLED with the target as it was. From the point on the commit runs to its end, the
cancel is only noted (``late_cancel``) and the activity returns its result, so the run ends
COMPLETED with a note. There is no third outcome.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from temporalio import activity

from connectors.commit_point import LoadCancelled
from workflows.payloads import StepRef

T = TypeVar("T")

# A coroutine function: a thread runs it on the loop with run_coroutine_threadsafe.
CommitHook = Callable[[str, "CommitGuard"], Coroutine[Any, Any, None]]
"""Tests only: awaited at the commit point with ``"check"`` (before the last look for a
cancel) and ``"commit"`` (the load is committing), to hold a load exactly there."""


class CommitGuard:
    def __init__(self, ref: StepRef, hook: CommitHook | None = None) -> None:
        self.ref = ref
        self.hook = hook
        self.late_cancel = False  # a cancel arrived once the load was past its commit point
        self._cancelled = False  # a cancel arrived before it
        self._passed = False
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def cancel_arrived(self) -> bool:
        return self._cancelled or self.late_cancel

    def cancel(self) -> bool:
        """A cancel arrived: True when the load will not commit, False when it is too late."""
        with self._lock:
            if self._passed:
                self.late_cancel = True
                return False
            self._cancelled = True
            return True

    async def reached(self) -> None:
        """The commit point of a load running on the event loop: raises CancelledError when a
        cancel came first (the caller rolls back), else the load is committed from here."""
        await self._hook("check")
        try:
            self._pass()
        except LoadCancelled:
            raise asyncio.CancelledError("cancelled before the commit") from None

    async def commit(self, commit: Callable[[], Awaitable[Any]]) -> None:
        """Run the commit to its end: a cancel arriving meanwhile is too late, and noted."""

        async def committing() -> None:
            await self._hook("commit")
            await commit()

        await self._to_the_end(asyncio.ensure_future(committing()))

    async def in_thread(self, load: Callable[..., T], *args: Any) -> T:
        """Run a blocking load in a thread, handing it ``commit_point``: a cancel before the
        point makes the load roll back (CancelledError here); after it, the load's result."""
        self._loop = asyncio.get_running_loop()
        work = asyncio.ensure_future(asyncio.to_thread(load, *args, commit_point=self._point))
        try:
            return await self._to_the_end(work)
        except LoadCancelled:
            raise asyncio.CancelledError("cancelled before the commit: rolled back") from None

    async def _to_the_end(self, work: asyncio.Future[T]) -> T:
        while True:
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                if work.cancelled():
                    raise
                self.cancel()
                # The cancel is answered by the load's own outcome, not by this exception.
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()

    def _point(self) -> None:
        """``connectors.commit_point.CommitPoint``, called from the load's thread."""
        self._hook_from_thread("check")
        self._pass()
        self._hook_from_thread("commit")

    def _pass(self) -> None:
        with self._lock:
            if self._cancelled or (activity.in_activity() and activity.is_cancelled()):
                self._cancelled = True
                raise LoadCancelled
            self._passed = True

    async def _hook(self, phase: str) -> None:
        if self.hook is not None:
            await self.hook(phase, self)

    def _hook_from_thread(self, phase: str) -> None:
        if self.hook is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self.hook(phase, self), self._loop).result()
