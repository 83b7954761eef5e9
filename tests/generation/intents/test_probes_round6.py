"""A sixth round of probes over the shop (PostgreSQL) and the CRM (MariaDB): see probes_round6.py
and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_round6
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

# The planner is being tuned against these probes; the module runs and reports its figures.
# Remove the mark once the planner holds the bar on them.
pytestmark = [
    pytest.mark.reworded,
    pytest.mark.timeout(600),
    pytest.mark.xfail(
        reason="sixth-round shop and CRM probes: the planner is being tuned against them",
        strict=False,
    ),
]

SUITE = "probes_round6"
CASES = probes_round6.SHOP + probes_round6.CRM
