"""Probe rewordings of aggregations over the shop and logistics (PostgreSQL): see
probes_aggregations.py and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_aggregations
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_aggregations"
CASES = probes_aggregations.SHOP + probes_aggregations.LOGISTICS
