"""Lists that one bad stored row cannot break: a row that cannot be shown in full (written by an
older release, a migration or a hand edit) is shown from its plain columns with a ``problem``,
and logged, never a 500; every row a list counts is on one of its pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from core.logging import get_logger

log = get_logger("ductwork.api")

Row = TypeVar("Row")

UNSHOWABLE = (ValueError, TypeError, AttributeError, LookupError)
"""What rendering a malformed stored row raises (pydantic's ValidationError is a ValueError)."""


async def shown(
    rows: Iterable[Row],
    render: Callable[[Row], Awaitable[Any]],
    *,
    fallback: Callable[[Row, str], Any],
    what: str,
) -> list[Any]:
    """``render`` of every row; a row it cannot render is ``fallback(row, problem)`` instead
    (``problem`` says so in words) and logged with its id."""
    items = []
    for row in rows:
        try:
            items.append(await render(row))
        except UNSHOWABLE as exc:
            log.warning(
                "stored row shown with a problem: it cannot be shown in full",
                what=what,
                id=getattr(row, "id", None),
                error=f"{type(exc).__name__}: {str(exc)[:300]}",
            )
            problem = (
                f"this stored {what} cannot be shown in full ({type(exc).__name__}): it was "
                "written outside the API; the fields shown are its stored ones"
            )
            items.append(fallback(row, problem))
    return items


def strings(value: Any) -> list[str]:
    """The strings of a stored JSON list (a row's tags) as a fallback shows them."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
