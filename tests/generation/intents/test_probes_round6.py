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

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "probes_round6"
CASES = probes_round6.SHOP + probes_round6.CRM
