"""The held-out half of the intent suite over the shop (PostgreSQL) and the CRM (MariaDB): see
runner.py."""

from __future__ import annotations

import pytest

from tests.generation.intents import heldout
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.heldout, pytest.mark.timeout(600)]

SUITE = "heldout_shop"
CASES = heldout.SHOP + heldout.CRM
