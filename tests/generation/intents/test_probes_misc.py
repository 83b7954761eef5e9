"""Probes of the planner on typos, computed columns, date ranges, values named in words and
straight copies over the shop and logistics schemas (see probes_misc.py and runner.py)."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_misc
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_misc"
CASES = probes_misc.SHOP + probes_misc.LOGISTICS
