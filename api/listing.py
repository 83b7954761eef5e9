"""Lists that one bad stored row cannot break: a row that cannot be shown (written by an older
release, a migration or a hand edit) is left out of the page and logged, never a 500."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from core.logging import get_logger

log = get_logger("ductwork.api")

Row = TypeVar("Row")

UNSHOWABLE = (ValueError, TypeError, AttributeError, LookupError)
"""What rendering a malformed stored row raises (pydantic's ValidationError is a ValueError)."""


async def shown(
    rows: Iterable[Row], render: Callable[[Row], Awaitable[Any]], *, what: str
) -> list[Any]:
    """``render`` of every row that can be shown; the others are logged with their id."""
    items = []
    for row in rows:
        try:
            items.append(await render(row))
        except UNSHOWABLE as exc:
            log.warning(
                "stored row left out of a list: it cannot be shown",
                what=what,
                id=getattr(row, "id", None),
                error=f"{type(exc).__name__}: {str(exc)[:300]}",
            )
    return items
