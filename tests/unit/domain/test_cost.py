"""domain.cost: measured work priced at the configured rates; the cost trend."""

from __future__ import annotations

import pytest

from core.settings import CostSettings
from domain.cost import GB, Cost, Measured, price, trend

RATES = CostSettings(
    compute_usd_per_hour=1,
    storage_usd_per_gb_month=2,
    network_usd_per_gb=3,
    llm_usd_per_1k_tokens=4,
)


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        ([], "insufficient_data"),
        ([5.0], "insufficient_data"),
        ([1.0, 1.0], "stable"),
        ([1.0, 1.05], "stable"),
        ([1.0, 1.2], "increasing"),
        ([1.0, 0.8], "decreasing"),
        ([0.0, 0.0], "stable"),
        ([0.0, 0.1], "increasing"),
        ([1.0, 1.0, 2.0, 2.0], "increasing"),
        ([2.0, 3.0, 1.0], "stable"),
    ],
    ids=[
        "none",
        "one",
        "flat",
        "within-threshold",
        "up",
        "down",
        "zero",
        "from-zero",
        "halves",
        "odd-count",
    ],
)
def test_trend(costs: list[float], expected: str) -> None:
    assert trend(costs, threshold=0.1) == expected


@pytest.mark.parametrize(
    ("measured", "llm_rate", "expected"),
    [
        (Measured(compute_seconds=3600), None, Cost(compute=1)),
        (Measured(bytes_loaded=GB), None, Cost(storage=2)),
        (Measured(bytes_extracted=2 * GB), None, Cost(network=6)),
        (Measured(llm_tokens=2000), None, Cost(llm=8)),
        (Measured(llm_tokens=2000), 0.5, Cost(llm=1)),
        (Measured(llm_tokens=2000), 0.0, Cost(llm=8)),
        (Measured(), None, Cost()),
    ],
    ids=[
        "compute",
        "storage",
        "network",
        "llm",
        "llm-own-rate",
        "llm-zero-rate-falls-back",
        "nothing",
    ],
)
def test_price(measured: Measured, llm_rate: float | None, expected: Cost) -> None:
    assert price(measured, RATES, llm_rate) == expected


def test_measured_sums_and_cost_totals() -> None:
    a = Measured(1.5, 10, 20, 1, 2, 3)
    assert a + Measured(0.5, 1, 2, 3, 4, 5) == Measured(2.0, 11, 22, 4, 6, 8)
    cost = Cost(compute=1, storage=2, network=3, llm=0.123456789012)
    assert cost.total == pytest.approx(6.123456789012)
    assert cost.rounded()["llm"] == 0.123456789
