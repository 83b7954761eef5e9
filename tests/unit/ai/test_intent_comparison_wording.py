"""Comparisons in a user's shorthand, by the offline planner over a small schema (no services):
thousands written with a k ("over 1.5k"), two bounds joined by "but"."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

BOOKINGS = table(
    "bookings",
    [Column("id", "integer", False), Column("total", "numeric(10,2)", False)],
)


@pytest.mark.parametrize(
    ("intent", "where"),
    [
        ("bookings over 1k", ["bookings.total > 1000"]),
        ("bookings over 1.5k", ["bookings.total > 1500"]),
        ("bookings under 0.5k", ["bookings.total < 500"]),
        ("bookings between 1k and 2k", ["bookings.total BETWEEN 1000 AND 2000"]),
        (
            "bookings with a total of more than 50 but less than 100",
            ["bookings.total > 50", "bookings.total < 100"],
        ),
        (
            "bookings over 100 but under 200",
            ["bookings.total > 100", "bookings.total < 200"],
        ),
    ],
)
def test_shorthand_comparisons(intent: str, where: list[str]):
    query = understand(intent, [BOOKINGS])
    assert not query.unresolved and not query.ambiguous, (
        query.unresolved,
        query.ambiguous,
    )
    assert query.where == where


@pytest.mark.parametrize(
    ("intent", "where"),
    [
        ("bookings north of 900", ["bookings.total > 900"]),
        ("bookings south of 20", ["bookings.total < 20"]),
        ("bookings with a total under or equal to 20", ["bookings.total <= 20"]),
        ("bookings with a total above or equal to 500", ["bookings.total >= 500"]),
    ],
)
def test_comparisons_said_in_other_words(intent: str, where: list[str]):
    query = understand(intent, [BOOKINGS])
    assert not query.unresolved and not query.ambiguous, (
        query.unresolved,
        query.ambiguous,
    )
    assert query.where == where
