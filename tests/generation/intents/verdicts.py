"""The suite's two verdicts, collected by each test module that imports them (it names its
``SUITE`` and ``CASES``; the ``outcomes`` fixture measures them once per module)."""

from __future__ import annotations

from tests.generation.intents.runner import (
    Measured,
    assert_correct_share,
    assert_none_silently_wrong,
)


def test_no_case_is_silently_wrong(outcomes: Measured):
    assert_none_silently_wrong(outcomes.suite, outcomes.outcomes)


def test_most_cases_are_correct(outcomes: Measured):
    assert_correct_share(outcomes.suite, outcomes.outcomes)
