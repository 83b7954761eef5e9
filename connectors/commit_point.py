"""A load's commit point: the one instant its rows become visible in the target.

Every target's load calls its ``commit_point`` right before that instant (a transaction's
COMMIT, a file's rename into place, a table swap, the first block a ClickHouse insert cannot
take back). A load cancelled before the point stops there: ``LoadCancelled`` is raised, the
load undoes what it did and the target is as it was. Once the call returns, the load commits
whatever comes: a cancel arriving later is too late and only noted by the caller.
"""

from __future__ import annotations

from collections.abc import Callable


class LoadCancelled(BaseException):
    """The load was cancelled before its commit point: nothing of it may become visible.

    A BaseException, as ``asyncio.CancelledError`` is, so that no connector's error handling
    on the way out turns it into a load error.
    """


CommitPoint = Callable[[], None]
"""Called by a load right before its commit; raises ``LoadCancelled`` when it must not commit."""


def no_cancel() -> None:
    """The commit point of a load that nothing cancels (direct calls, tools)."""
