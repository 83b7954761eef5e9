"""connectors.base: error texts fit for an API answer, and the shared shapes."""

from __future__ import annotations

import time

import pytest

from connectors.base import (
    ColumnInfo,
    ConnectionTestResult,
    PolicyDenied,
    TableInfo,
    elapsed_ms,
    group_columns,
    safe_detail,
    unreachable,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Expected 1 columns, got 2: alice,s3cret", "Expected 1 columns, got 2"),
        ("Expected 10 columns, got 12: a,b\nc,d", "Expected 10 columns, got 12"),
        ("Expected 100 columns, got 101: row", "Expected 100 columns, got 101"),
        ("plain error", "plain error"),
        ("tab\there\x00nul\x1bansi", "tab?here?nul?ansi"),
        ("line one\nline two", "line one?line two"),
        ("unicode ünïcødé stays", "unicode ünïcødé stays"),
        ("", ""),
    ],
    ids=[
        "row-cut",
        "row-with-newline-cut",
        "three-digits",
        "unchanged",
        "control-chars",
        "newline",
        "unicode",
        "empty",
    ],
)
def test_safe_detail(text: str, expected: str) -> None:
    assert safe_detail(text) == expected


def test_safe_detail_cuts_the_row_after_a_four_digit_count() -> None:
    assert safe_detail("Expected 999 columns, got 1000: alice,s3cret") == (
        "Expected 999 columns, got 1000"
    )


@pytest.mark.parametrize(
    ("length", "limit", "expected_length"),
    [(300, 300, 300), (301, 300, 300), (1000, 50, 50), (10, 50, 10)],
    ids=["at-limit", "one-over", "far-over", "under"],
)
def test_safe_detail_is_bounded(length: int, limit: int, expected_length: int) -> None:
    out = safe_detail("x" * length, limit)
    assert len(out) == expected_length
    assert out.endswith("…") == (length > limit)


@pytest.mark.parametrize("system", ["PostgreSQL", "MySQL", "ClickHouse"])
def test_unreachable_names_the_system_and_nothing_else(system: str) -> None:
    message = unreachable(system)
    assert f"a {system} server" in message
    assert message == unreachable(system)  # the same for every failure: nothing is told


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "no"),
        ("DUCTWORK_X", "no (the operator can allow it with DUCTWORK_X)"),
    ],
    ids=["without-setting", "with-setting"],
)
def test_policy_denied_is_terminal_and_names_its_setting(
    setting: str | None, expected: str
) -> None:
    err = PolicyDenied("no", setting=setting)
    assert err.message == expected
    assert err.error_type == "POLICY_DENIED"
    assert err.retryable is False
    assert err.setting == setting


def test_group_columns_keeps_table_order_and_nullability() -> None:
    rows = [
        ("public", "a", "id", "int", False),
        ("public", "a", "name", "text", True),
        ("sales", "a", "id", "bigint", False),
    ]
    assert group_columns(rows) == [
        TableInfo("public", "a", [ColumnInfo("id", "int", False), ColumnInfo("name", "text")]),
        TableInfo("sales", "a", [ColumnInfo("id", "bigint", False)]),
    ]


def test_elapsed_and_failed_results() -> None:
    now = time.perf_counter()
    assert elapsed_ms(now) >= 1
    assert elapsed_ms(now - 2) >= 2000
    result = ConnectionTestResult.failed(now - 0.05, "boom")
    assert (result.connected, result.error) == (False, "boom")
    assert result.latency_ms >= 50
