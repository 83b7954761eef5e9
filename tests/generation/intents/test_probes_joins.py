"""Probes of joins in many wordings, over the shop and the logistics schemas: see
probes_joins.py and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_joins
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_joins"
CASES = probes_joins.SHOP + probes_joins.LOGISTICS
