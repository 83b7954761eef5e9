"""A small JSON API on loopback for the http source tests: every pagination style, a nested
record path, a rate limit answered with 429 + Retry-After, and resources that can vanish."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "tok-3f9c1e-never-logged"


def orders(n: int = 25) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "customer": f"c{i % 4}",
            "amount": round(i * 1.5, 2),
            "paid": i % 2 == 0,
            "address": {"city": f"city{i}", "zip": f"{10000 + i}"},
            "tags": ["a", "b"] if i % 3 == 0 else [],
            "note": None if i % 5 else f"note {i}",
        }
        for i in range(1, n + 1)
    ]


class Api:
    def __init__(self, records: list[dict[str, Any]], page_size: int = 10) -> None:
        self.records = records
        self.page_size = page_size
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.gone: set[str] = set()
        self.rate_limited = 0  # how many 429s are still to answer
        self.retry_after = "1"
        self.url = ""

    def answer(self, path: str, query: dict[str, str], port: int) -> tuple[int, dict, Any]:
        name = path.removeprefix("/v1").strip("/")
        size = int(query.get("limit", self.page_size))
        if name == "" or name == "health":
            return 200, {}, {"ok": True}
        if name in self.gone:
            return 404, {}, {"error": f"no resource {name}"}
        if name == "limited" and self.rate_limited > 0:
            self.rate_limited -= 1
            return 429, {"Retry-After": self.retry_after}, {"error": "slow down"}
        if name in ("plain", "limited", "secure"):
            return 200, {}, self.records
        if name == "page":
            page = int(query.get("page", "1"))
            chunk = self.records[(page - 1) * size : page * size]
            return 200, {}, {"data": chunk, "page": page}
        if name == "offset":
            offset = int(query.get("offset", "0"))
            return 200, {}, {"items": self.records[offset : offset + size], "total": 25}
        if name == "cursor":
            start = int(query.get("cursor", "0"))
            chunk = self.records[start : start + size]
            more = start + size < len(self.records)
            meta = {"next": str(start + size) if more else None}
            return 200, {}, {"results": chunk, "meta": meta}
        if name == "link":
            page = int(query.get("p", "1"))
            chunk = self.records[(page - 1) * size : page * size]
            headers = {}
            if page * size < len(self.records):
                headers["Link"] = (
                    f'</v1/link?p={page + 1}>; rel="next", </v1/link?p=1>; rel="first"'
                )
            return 200, headers, chunk
        if name == "nested":
            return 200, {}, {"payload": {"rows": self.records}}
        return 404, {}, {"error": f"no resource {name}"}


@contextmanager
def serve(api: Api) -> Iterator[Api]:
    class Handler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "TestAPI/1.0"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            api.requests.append((self.path, dict(self.headers)))
            if parts.path.rstrip("/").endswith("secure") and (
                self.headers.get("X-Api-Key") != TOKEN
            ):
                status, headers, body = 401, {}, {"error": "bad key"}
            else:
                status, headers, body = api.answer(parts.path, query, self.server.server_port)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_port}/v1"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
