"""Paged list bodies and the X-Total-Count / X-Page / X-Per-Page / Link headers."""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import Request, Response

from api.deps import PageParams


def paged(
    request: Request, response: Response, items: list[Any], total: int, params: PageParams
) -> dict[str, Any]:
    pages = ceil(total / params.size) if total else 0
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Page"] = str(params.page)
    response.headers["X-Per-Page"] = str(params.size)
    links = []
    if params.page + 1 < pages:
        links.append(_link(request, params.page + 1, params.size, "next"))
    if params.page > 0:
        links.append(_link(request, params.page - 1, params.size, "prev"))
    links.append(_link(request, 0, params.size, "first"))
    links.append(_link(request, max(pages - 1, 0), params.size, "last"))
    response.headers["Link"] = ", ".join(links)
    return {
        "content": items,
        "page": params.page,
        "size": params.size,
        "totalElements": total,
        "totalPages": pages,
    }


def _link(request: Request, page: int, size: int, rel: str) -> str:
    url = request.url.include_query_params(page=page, size=size)
    return f'<{url}>; rel="{rel}"'


def paged_per_page(
    request: Request,
    response: Response,
    total: int,
    page: int,
    per_page: int,
    *,
    size_param: str = "per_page",
) -> None:
    """Headers of the snake_case surfaces' one-based ``page`` and ``per_page`` lists.

    ``size_param`` names the query parameter of the page size in the Link URLs (seed 002's
    run list calls it ``limit``).
    """
    pages = ceil(total / per_page) if total else 0
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Page"] = str(page)
    response.headers["X-Per-Page"] = str(per_page)
    links = []
    sizes = {size_param: per_page}
    if page < pages:
        links.append(_link_per_page(request, page + 1, sizes, "next"))
    if page > 1:
        links.append(_link_per_page(request, page - 1, sizes, "prev"))
    links.append(_link_per_page(request, 1, sizes, "first"))
    links.append(_link_per_page(request, max(pages, 1), sizes, "last"))
    response.headers["Link"] = ", ".join(links)


def _link_per_page(request: Request, page: int, sizes: dict[str, int], rel: str) -> str:
    url = request.url.include_query_params(page=page, **sizes)
    return f'<{url}>; rel="{rel}"'
