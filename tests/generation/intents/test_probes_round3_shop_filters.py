"""Third-round probes on filters, computed columns and copies over the shop (PostgreSQL) and the
CRM (MariaDB): see probes_round3_shop_filters.py and runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import probes_round3_shop_filters
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_round3_shop_filters"
CASES = probes_round3_shop_filters.SHOP + probes_round3_shop_filters.CRM
