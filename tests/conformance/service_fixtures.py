"""Helpers of the pipeline service API's and the connection syncs API's conformance modules:
the examples of a document without code blocks (the pipeline service API's reference is flat
text), their documented bodies, and a check of a response against a documented one."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

_VALUE = r"(?:\{[A-Za-z]+\}|[A-Z]+(?=[A-Z][a-z]|&|\s|$)|[0-9a-z_\-]+)"
_PATH = r"(?:\{[A-Za-z]+\}|[a-z0-9/_.\-]+)+"
_QUERY = rf"(?:\?[a-zA-Z_]+={_VALUE}(?:&[a-zA-Z_]+={_VALUE})*)?"
_EXAMPLE = re.compile(rf"\b(GET|POST|PUT|DELETE|PATCH) (/v1/{_PATH}{_QUERY})")
_RESPONSE = re.compile(r"Response \((\d{3})[^)]*\):")


@dataclass
class Example:
    method: str
    path: str  # as written, placeholders such as {pipelineId} included
    request: Any  # the documented request body (None: none, or not JSON)
    status: int | None  # the documented status
    response: Any  # the documented response body (None: none)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def flat_examples(text: str) -> list[Example]:
    """Every ``METHOD /v1/...`` example of a flat-text reference with the request body and the
    response that follow it (up to the next example)."""
    matches = list(_EXAMPLE.finditer(text))
    found = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        tail = text[m.end() : end]
        request = _json_after(tail, "Request Body:")
        status = response = None
        if r := _RESPONSE.search(tail):
            status = int(r.group(1))
            response = _json_after(tail[r.start() :], r.group(0))
        found.append(Example(m.group(1), m.group(2), request, status, response))
    return found


def _json_after(text: str, label: str) -> Any:
    at = text.find(label)
    if at < 0:
        return None
    start = text.find("{", at)
    if start < 0:
        return None
    depth = 0
    for i, ch in enumerate(text[start:], start):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0:
            try:
                return json.loads(text[start : i + 1])
            except ValueError:
                return None  # placeholders such as {...}
    return None


def fill(path: str, **ids: str) -> str:
    """A documented path with its placeholders (``{pipelineId}``) replaced from ``ids``."""
    return re.sub(r"\{([A-Za-z]+)\}", lambda m: ids[m.group(1)], path)


def assert_shape(
    documented: Any, actual: Any, *, nullable: frozenset[str] = frozenset(), at: str = "$"
) -> None:
    """``actual`` has every field of ``documented`` with a value of the same JSON type (numbers
    are numbers, a documented null says nothing); ``nullable`` names fields that may be null."""
    if documented is None:
        return
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{at}: expected an object, got {actual!r}"
        for key, value in documented.items():
            assert key in actual, f"{at}: missing field {key!r} (has {sorted(actual)})"
            if actual[key] is None and (key in nullable or value is None):
                continue
            assert_shape(value, actual[key], nullable=nullable, at=f"{at}.{key}")
        return
    if isinstance(documented, list):
        assert isinstance(actual, list), f"{at}: expected an array, got {actual!r}"
        if documented:
            for i, item in enumerate(actual):
                assert_shape(documented[0], item, nullable=nullable, at=f"{at}[{i}]")
        return
    if isinstance(documented, bool):
        assert isinstance(actual, bool), f"{at}: expected a boolean, got {actual!r}"
    elif isinstance(documented, int | float):
        number = isinstance(actual, int | float) and not isinstance(actual, bool)
        assert number, f"{at}: expected a number, got {actual!r}"
    elif isinstance(documented, str):
        assert isinstance(actual, str), f"{at}: expected a string, got {actual!r}"


def assert_error_body(response: httpx.Response, status: int) -> dict[str, Any]:
    """The one error body of API.md, whatever the code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert {"detail", "status_code", "error_code", "error"} <= set(body), body
    assert body["status_code"] == status and body["error"]["code"] == body["error_code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


async def until(
    read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], within: float = 60
) -> Any:
    """Poll ``read`` until ``done`` says so (a deadline, not a timed assertion)."""
    deadline = time.monotonic() + within
    while True:
        value = await read()
        if done(value):
            return value
        assert time.monotonic() < deadline, value
        await asyncio.sleep(0.1)
