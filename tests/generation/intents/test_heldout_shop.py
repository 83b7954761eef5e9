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

# Measured only (never tuned against): last measured 55 of 61 correct, 6 needs_review,
# 0 silently wrong, at the bar (90% correct, none silently wrong).
pytestmark = [pytest.mark.heldout, pytest.mark.timeout(600)]

SUITE = "heldout_shop"
CASES = heldout.SHOP + heldout.CRM
