"""A fourth round of relation probes over the shop (PostgreSQL): see
probes_round4_shop_relations.py and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_round4_shop_relations
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

# The planner is being tuned against these probes (issue: generation quality); the module runs
# and reports its figures. Remove the mark once the planner holds the bar on them.
pytestmark = [
    pytest.mark.reworded,
    pytest.mark.timeout(600),
    pytest.mark.xfail(
        reason="fourth-round shop relation probes: the planner is being tuned against them "
        "(issue: generation quality)",
        strict=False,
    ),
]

SUITE = "probes_round4_shop_relations"
CASES = probes_round4_shop_relations.SHOP
