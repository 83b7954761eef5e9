"""The development rewordings of the intent suite over the logistics schema (see reworded.py and
runner.py)."""

from __future__ import annotations

import pytest

from tests.generation.intents import reworded
from tests.generation.intents.verdicts import (
    test_most_cases_are_correct,
    test_no_case_is_silently_wrong,
)

__all__ = ["test_most_cases_are_correct", "test_no_case_is_silently_wrong"]  # collected here

pytestmark = [pytest.mark.reworded, pytest.mark.timeout(600)]

SUITE = "reworded_logistics"
CASES = reworded.LOGISTICS
