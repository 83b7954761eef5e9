"""The held-out half of the intent suite over the logistics schema (see runner.py)."""

from __future__ import annotations

import pytest

from tests.generation.intents import heldout
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

# The held-out logistics rewordings hold the bar (90% correct, none silently wrong); last
# measured: 41 of 45 correct, 4 needs_review, 0 silently wrong.
pytestmark = [pytest.mark.heldout, pytest.mark.timeout(600)]

SUITE = "heldout_logistics"
CASES = heldout.LOGISTICS
