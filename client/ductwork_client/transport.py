"""What the sync and async clients share: credentials, the tenant header, and how an answer
becomes a value or a typed error."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from ductwork_client.calls import Call
from ductwork_client.errors import from_response

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def headers(credential: str | None, tenant: str | None) -> dict[str, str]:
    out = {"Accept": "application/json", "User-Agent": "ductwork-client/0.1"}
    if credential:
        out["Authorization"] = f"Bearer {credential}"
    if tenant:
        out["X-Tenant-ID"] = tenant
    return out


def request_kwargs(call: Call[Any]) -> dict[str, Any]:
    params = {k: v for k, v in call.params.items() if v is not None}
    kwargs: dict[str, Any] = {"params": params}
    if call.json is not None:
        kwargs["json"] = call.json
    return kwargs


def result(call: Call[T], response: httpx.Response) -> T:
    """The call's value, or the error answer raised as its typed exception."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = response.text
    if response.is_error:
        raise from_response(response.status_code, body, dict(response.headers))
    return call.parse(body)
