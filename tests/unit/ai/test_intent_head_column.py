"""A column that opens an intent, of the rows that follow ("emails of active members", "get the
email for banned members"), is the one column asked for; over a small schema unlike the intent
suite's."""

from __future__ import annotations

import pytest

from ai.generation.intent import sql as intent_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

MEMBERS = table(
    "members",
    [
        Column("id", "integer"),
        Column("email", "text"),
        Column("status", "text", values=["active", "inactive", "banned"]),
        Column("joined_on", "date"),
    ],
)


@pytest.mark.parametrize(
    ("intent", "sql"),
    [
        (
            "emails of active members",
            "SELECT members.email FROM members WHERE members.status = 'active'",
        ),
        (
            "get the email for banned members",
            "SELECT members.email FROM members WHERE members.status = 'banned'",
        ),
        ("the emails of members", "SELECT members.email FROM members"),
    ],
)
def test_a_column_opening_the_intent_is_the_column_asked_for(intent: str, sql: str):
    query = understand(intent, [MEMBERS])
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    assert intent_sql.select_sql(query) == sql


def test_a_column_named_after_its_rows_is_no_projection():
    query = understand("members with an email", [MEMBERS])
    assert query.unresolved or "SELECT members.email FROM" not in intent_sql.select_sql(query)
