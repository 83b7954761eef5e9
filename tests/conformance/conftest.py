"""Shared helpers of the conformance tests: each module runs one API document's examples as
written (credentials added, ids substituted) against the app with a real worker.

The documents are in ``/work/shared/seeds/`` (``DUCTWORK_SEEDS`` overrides the folder); a module
whose document is missing skips, except under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.auth import Tenancy

T = TypeVar("T")
BASE_URL = "http://localhost:8000"  # the documents' development base URL
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")  # a timestamp as the documents show them

SEEDS = Path(os.environ.get("DUCTWORK_SEEDS", "/work/shared/seeds"))


def seed_text(prefix: str) -> str:
    """The document whose file name starts with ``prefix`` (e.g. ``"000_"``)."""
    found = sorted(SEEDS.glob(f"{prefix}*.txt")) if SEEDS.is_dir() else []
    if not found:
        if os.environ.get("CI") == "true":
            raise FileNotFoundError(f"no API document {prefix}* in {SEEDS}")
        pytest.skip(f"the API document {prefix}* is not in {SEEDS}")
    return found[0].read_text(encoding="utf-8")


_CURL_DATA = re.compile(r"-d '(.*?)'", re.S)


def curl_examples(text: str) -> list[tuple[str, str, Any]]:
    """Every ``curl`` example of a document: (method, path with query, JSON body or None)."""
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for command in re.split(r"\n(?=curl )", block):
            if not command.startswith("curl"):
                continue
            method = m.group(1) if (m := re.search(r"-X (\w+)", command)) else "GET"
            url = re.search(r"\"?(https?://[^\s\"']+)", command)
            assert url, command
            path = re.sub(r"^https?://[^/]+", "", url.group(1))
            data = _CURL_DATA.search(command)
            out.append((method, path, json.loads(data.group(1)) if data else None))
    return out


def http_examples(text: str) -> list[tuple[str, str, Any]]:
    """Every ``http`` request example: (method, path, JSON body or None); bodies that are not
    JSON (placeholders such as ``...``) come back as None."""
    out = []
    for block in re.findall(r"```http\n(.*?)```", text, re.S):
        first = block.strip().splitlines()[0]
        m = re.match(r"(GET|POST|PUT|DELETE|PATCH) (\S+)", first)
        if not m:
            continue
        body = None
        if "\n\n" in block.strip():
            raw = block.strip().split("\n\n", 1)[1]
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        out.append((m.group(1), m.group(2), body))
    return out


@dataclass
class Clients:
    """A document's client (a user's Bearer token, as the examples send it), the same with the
    tenant header for setup through the pipeline service API, and one without credentials."""

    http: httpx.AsyncClient
    v1: httpx.AsyncClient
    anon: httpx.AsyncClient


@asynccontextmanager
async def document_clients(
    app: Any, tenancy: Tenancy, role: str = "admin"
) -> AsyncIterator[Clients]:
    transport = httpx.ASGITransport(app=app)
    bearer = {"Authorization": f"Bearer {tenancy.token(role)}"}
    async with (
        httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers=bearer, timeout=120
        ) as http,
        httpx.AsyncClient(
            transport=transport,
            base_url=BASE_URL,
            headers={**bearer, "X-Tenant-ID": tenancy.tenant_id},
            timeout=120,
        ) as v1,
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as anon,
    ):
        yield Clients(http, v1, anon)


async def poll(
    fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], within: float = 60
) -> T:
    """``fetch()`` again every 0.2 s until ``done`` says so; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await fetch()
        if done(value):
            return value
        assert time.monotonic() < deadline, value
        await asyncio.sleep(0.2)
