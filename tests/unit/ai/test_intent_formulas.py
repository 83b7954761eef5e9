"""The offline planner over a small hotel schema (no services), unlike the intent suite's: computed
columns (a fraction of whole numbers, the time between two events named by their verbs), typos
of a flag column, and what it must not guess, left for review."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import Query, understand
from workflows.generation_payloads import Column, DatasetSchema

ROOMS = DatasetSchema(
    "rooms",
    "src",
    "postgresql",
    "postgres",
    None,
    "rooms",
    [
        Column("id", "integer"),
        Column("floor", "integer"),
        Column("area_sqcm", "integer"),
        Column("nightly_rate", "numeric(8,2)"),
        Column("accessible", "boolean"),
    ],
    ["id"],
)
STAYS = DatasetSchema(
    "stays",
    "src",
    "postgresql",
    "postgres",
    None,
    "stays",
    [
        Column("id", "integer"),
        Column("room_id", "integer"),
        Column("guests", "integer"),
        Column("status", "text", values=["booked", "cancelled", "completed"]),
        Column("booked_on", "date"),
        Column("arrived_at", "timestamp with time zone"),
        Column("departed_at", "timestamp with time zone"),
    ],
    ["id"],
    [["room_id", "rooms", "id"]],
)


def _read(intent: str) -> Query:
    return understand(intent, [STAYS, ROOMS])


def _understood(intent: str) -> str:
    query = _read(intent)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    ("intent", "formula"),
    [
        ("rooms with area_sqm = area_sqcm / 10000", "rooms.area_sqcm * 1.0 / 10000"),
        ("rooms plus guests_per_floor, floor divided by 2", "rooms.floor * 1.0 / 2"),
        ("rooms with rate_per_floor = nightly_rate / floor", "rooms.nightly_rate / rooms.floor"),
        ("rooms with half_rate = nightly_rate / 2", "rooms.nightly_rate / 2"),
    ],
)
def test_whole_numbers_divided_keep_their_fraction(intent: str, formula: str):
    assert formula in _understood(intent)


@pytest.mark.parametrize(
    ("intent", "late", "early"),
    [
        ("stays with the hours between arrived_at and departed_at", "departed_at", "arrived_at"),
        ("stays with the number of days between arrived and departed", "departed_at", "arrived_at"),
        ("completed stays plus the days between the booking and arriving", "arrived_at",
         "booked_on"),
    ],
)  # fmt: skip
def test_the_time_between_two_events_named_by_column_or_verb(intent: str, late: str, early: str):
    sql = _understood(intent)
    assert f"EXTRACT(EPOCH FROM stays.{late} - stays.{early})" in sql


def test_the_time_between_one_event_and_itself_is_left_for_review():
    query = _read("stays with the days between arrived and arrival")
    assert query.unresolved or query.ambiguous


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("accesible rooms", "rooms.accessible"),
        ("rooms that are not accessable", "NOT rooms.accessible"),
    ],
)
def test_a_flag_column_misspelled_is_its_condition(intent: str, condition: str):
    query = _read(intent)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert query.where == [condition]


def test_a_word_far_from_the_flag_is_not_taken_for_it():
    query = _read("rooms that are acceptable")
    assert query.unresolved or query.ambiguous
