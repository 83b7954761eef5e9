"""A fifth round of probes over the shop and logistics schemas (PostgreSQL): see probes_round5.py
and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_round5
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_round5"
CASES = probes_round5.SHOP + probes_round5.LOGISTICS
