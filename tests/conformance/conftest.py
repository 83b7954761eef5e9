"""Shared helpers of the conformance tests: each module runs one API document's examples as
written (credentials added, ids substituted) against the app with a real worker.

The documents are in ``/work/shared/seeds/`` (``DUCTWORK_SEEDS`` overrides the folder); a module
whose document is missing skips, except under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

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
