"""Registering the search attributes rides out a busy server's cancelled calls."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesResponse
from temporalio.service import RPCError, RPCStatusCode

from core import temporal


class _Operator:
    def __init__(self, failures: list[RPCStatusCode]) -> None:
        self.failures = failures
        self.added: dict[str, Any] = {}
        self.calls = 0

    async def list_search_attributes(self, request: Any) -> ListSearchAttributesResponse:
        self.calls += 1
        if self.failures:
            raise RPCError("operation was canceled", self.failures.pop(0), b"")
        return ListSearchAttributesResponse()

    async def add_search_attributes(self, request: Any) -> None:
        self.added = dict(request.search_attributes)


def _client(operator: _Operator) -> Any:
    return SimpleNamespace(namespace="default", operator_service=operator)


async def test_a_cancelled_call_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temporal.asyncio, "sleep", _no_wait)
    operator = _Operator([RPCStatusCode.CANCELLED, RPCStatusCode.UNAVAILABLE])
    await temporal.ensure_search_attributes(_client(operator))
    assert operator.calls == 3
    assert set(operator.added) == {key.name for key in temporal.SEARCH_ATTRIBUTES}


async def test_a_refusal_is_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temporal.asyncio, "sleep", _no_wait)
    operator = _Operator([RPCStatusCode.PERMISSION_DENIED])
    with pytest.raises(RPCError):
        await temporal.ensure_search_attributes(_client(operator))
    assert operator.calls == 1


async def test_it_gives_up_after_its_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temporal.asyncio, "sleep", _no_wait)
    operator = _Operator([RPCStatusCode.CANCELLED] * 10)
    with pytest.raises(RPCError):
        await temporal.ensure_search_attributes(_client(operator), attempts=3)
    assert operator.calls == 3


async def _no_wait(seconds: float) -> None:
    return None
