"""A loopback OpenAI-compatible chat-completions server whose replies a test scripts.

    with LLMServer() as llm:
        llm.reply('{"sql": "SELECT 1"}')           # 200 with this message content
        llm.fail(429, retry_after=1)                # then a rate limit
        ... point DUCTWORK_LLM__BASE_URL (or LLMSettings.base_url) at llm.url ...
        llm.requests                               # every request body received, in order

Replies are served in order; when the queue is empty the ``fallback`` callable (request body →
content) answers, or the server answers 500.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    status: int = 200
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    prompt_tokens: int = 100
    completion_tokens: int = 50


class LLMServer:
    def __init__(self, model: str = "loopback-model") -> None:
        self.model = model
        self.replies: deque[Scripted] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fallback: Callable[[dict[str, Any]], str] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reply(self, content: str | dict, *, prompt_tokens: int = 100, completion_tokens: int = 50):
        text = content if isinstance(content, str) else json.dumps(content)
        self.replies.append(
            Scripted(content=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        )

    def fail(self, status: int, *, retry_after: float | None = None, message: str = "scripted"):
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        self.replies.append(Scripted(status=status, headers=headers, error=message))

    def clear(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()
            self.headers.clear()
            self.fallback = None

    def start(self) -> LLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Scripted:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if self.replies:
                return self.replies.popleft()
            fallback = self.fallback
        if fallback is not None:
            return Scripted(content=fallback(body))
        return Scripted(status=500, error="no scripted reply left")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}}, {})
                    return
                scripted = server._next(body, {k.lower(): v for k, v in self.headers.items()})
                if scripted.status != 200:
                    error = {"message": scripted.error, "type": "scripted", "code": None}
                    self._send(scripted.status, {"error": error}, scripted.headers)
                    return
                self._send(
                    200,
                    {
                        "id": "chatcmpl-loopback",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model") or server.model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": scripted.content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {
                            "prompt_tokens": scripted.prompt_tokens,
                            "completion_tokens": scripted.completion_tokens,
                            "total_tokens": scripted.prompt_tokens + scripted.completion_tokens,
                        },
                    },
                    scripted.headers,
                )

            def _send(self, status: int, payload: dict, headers: dict[str, str]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
