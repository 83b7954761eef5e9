"""A whole table copied, said in other words ("duplicate the patients table", "make a copy of
visits", "back up …"), over a small clinic schema (no services): every column of every row,
and a verb such as "create" is never read as a column (created_at)."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood

PATIENTS = table(
    "patients",
    [("id", "integer"), ("full_name", "text"), ("created_at", "timestamp with time zone")],
)
VISITS = table(
    "visits",
    [("id", "integer"), ("patient_id", "integer"), ("fee", "numeric(10,2)")],
    [["patient_id", "patients", "id"]],
)
TABLES = [PATIENTS, VISITS]


@pytest.mark.parametrize(
    "intent",
    [
        "duplicate the visits table",
        "duplicate visits into the warehouse",
        "clone visits to postgres",
        "make a copy of the visits table",
        "create a duplicate of visits",
        "create an exact copy of visits",
        "please make a full copy of visits",
        "i need a replica of visits",
        "back up the visits table",
        "take a backup of visits",
        "i want a backup copy of visits",
        "set up a replica of the visits table",
        "create visits",
        "visits duplicated into the warehouse",
    ],
)
def test_a_copy_said_in_other_words_is_the_whole_table(intent: str):
    assert select_sql(understood(intent, TABLES)) == (
        "SELECT visits.id, visits.patient_id, visits.fee FROM visits"
    )


def test_duplicate_before_the_rows_alone_is_left_for_review():
    # the duplicate visits, or a copy of the visits?
    query = understand("duplicate visits", TABLES)
    assert query.unresolved or query.ambiguous
