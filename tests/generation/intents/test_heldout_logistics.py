"""The held-out half of the intent suite over the logistics schema (see runner.py)."""

from __future__ import annotations

import pytest

from tests.generation.intents import heldout
from tests.generation.intents.runner import (
    Outcome,
    assert_correct_share,
    assert_none_silently_wrong,
)

pytestmark = [pytest.mark.heldout, pytest.mark.timeout(600)]

SUITE = "heldout_logistics"
CASES = heldout.LOGISTICS


def test_no_case_is_silently_wrong(outcomes: list[Outcome]):
    assert_none_silently_wrong(SUITE, outcomes)


def test_most_cases_are_correct(outcomes: list[Outcome]):
    assert_correct_share(SUITE, outcomes)
