"""Past its point of no return a workflow finishes what it started, though cancelled meanwhile.

A run whose load has committed, a deployment whose DAG file or schedule is being written: a
cancel can no longer undo what the target has, so ending CANCELLED would claim what is not
true. Such work runs to its end and the cancel is noted instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def to_the_end(work: Awaitable[T], note: Callable[[], bool]) -> T:
    """Await ``work`` to its end even if the workflow is cancelled meanwhile.

    At a cancel, ``note()`` notes it and answers True to go on; False lets the cancel reach the
    work after all (what histories recorded before this behaviour did: keep them replaying).
    """
    task = asyncio.ensure_future(work)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                return task.result()
            if not note():
                task.cancel()
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()  # answered by the work's own end, not by this exception
