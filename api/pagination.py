"""Paged list bodies and the X-Total-Count / X-Page / X-Per-Page / Link headers."""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import Request, Response

from api.deps import PageParams


def paged(
    request: Request, response: Response, items: list[Any], total: int, params: PageParams
) -> dict[str, Any]:
    """The pipeline service API's zero-based ``page``/``size`` list body, with the same headers."""
    paged_per_page(request, response, total, params.page, params.size, size_param="size", first=0)
    return {
        "content": items,
        "page": params.page,
        "size": params.size,
        "totalElements": total,
        "totalPages": ceil(total / params.size) if total else 0,
    }


def paged_per_page(
    request: Request,
    response: Response,
    total: int,
    page: int,
    per_page: int,
    *,
    size_param: str = "per_page",
    first: int = 1,
) -> None:
    """Headers of the snake_case surfaces' one-based ``page`` and ``per_page`` lists.

    ``size_param`` names the query parameter of the page size in the Link URLs (the named batch
    pipelines API's
    run list calls it ``limit``, the pipeline service API ``size``); ``first`` is the number of the
    first page.
    """
    pages = ceil(total / per_page) if total else 0
    last = max(pages - 1 + first, first)
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Page"] = str(page)
    response.headers["X-Per-Page"] = str(per_page)
    links = []
    if page < last:
        links.append(_link(request, page + 1, size_param, per_page, "next"))
    if page > first:
        links.append(_link(request, page - 1, size_param, per_page, "prev"))
    links.append(_link(request, first, size_param, per_page, "first"))
    links.append(_link(request, last, size_param, per_page, "last"))
    response.headers["Link"] = ", ".join(links)


def _link(request: Request, page: int, size_param: str, size: int, rel: str) -> str:
    url = request.url.include_query_params(page=page, **{size_param: size})
    return f'<{url}>; rel="{rel}"'
