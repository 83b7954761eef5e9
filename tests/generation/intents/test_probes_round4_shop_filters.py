"""A fourth round of probes on filters, computed columns, copies and dedupes over the shop
(PostgreSQL): see probes_round4_shop_filters.py and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_round4_shop_filters
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_round4_shop_filters"
CASES = probes_round4_shop_filters.SHOP
