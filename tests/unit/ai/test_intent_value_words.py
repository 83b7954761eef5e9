"""Values and tables named in other words, over a small library schema unlike the intent
suite's (no services): a state said by a synonym looked up among the real values ("on the
way"), a short word for a plural value ("toy" for toys), a date column that is set ("that have
a return date"), and a typo in one word of a table's name of two words."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

LOAN_ITEMS = table(
    "loan_items",
    [
        Column("id", "integer"),
        Column("title", "text"),
        Column("medium", "text", values=["books", "maps", "toys"]),
        Column("state", "text", values=["on_shelf", "in_transit", "lost", "sent back"]),
        Column("loaned_at", "timestamp with time zone"),
        Column("returned_at", "timestamp with time zone"),
    ],
)


def _sql(intent: str) -> str:
    query = understand(intent, [LOAN_ITEMS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return intent_sql.select_sql(query)


@pytest.mark.parametrize(
    "intent", ["loan items on the way", "loan items still en route", "underway loan items"]
)
def test_a_state_said_in_other_words_is_the_value_the_column_holds(intent: str):
    assert "loan_items.state = 'in_transit'" in _sql(intent)


def test_a_synonym_no_value_stands_for_is_left_for_review():
    query = understand("dispatched loan items", [LOAN_ITEMS])
    assert query.unresolved or query.ambiguous


def test_a_short_word_names_its_plural_value():
    assert "loan_items.medium IN ('toys', 'maps')" in _sql("toy or map loan items")


@pytest.mark.parametrize(
    "intent",
    [
        "loan items that have a return date",
        "loan items with a return date",
        "loan items having a returned date",
    ],
)
def test_a_date_said_to_be_there_is_set(intent: str):
    assert "loan_items.returned_at IS NOT NULL" in _sql(intent)


@pytest.mark.parametrize("intent", ["loan itmes of the books medium", "loan itesm, books only"])
def test_a_typo_in_one_word_of_a_table_name(intent: str):
    sql = _sql(intent)
    assert "FROM loan_items" in sql and "medium = 'books'" in sql


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("loan items that come from the maps medium", "loan_items.medium = 'maps'"),
        ("loan items lost plus those in_transit", "loan_items.state IN ('lost', 'in_transit')"),
        ("loan items in books and those in maps", "loan_items.medium IN ('books', 'maps')"),
    ],
)
def test_values_said_with_a_verb_of_origin_or_with_those(intent: str, condition: str):
    assert condition in _sql(intent)
