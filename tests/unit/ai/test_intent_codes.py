"""Codes a column holds in capitals ("DE", "FR") said in lower case, over a small clinic schema
(no services): read as the code after the column's name or "in"/"from", or listed with another
code; an English word ("us", "it") only after the column's name or in such a list, else left for
review, and never dropped as a word."""

from __future__ import annotations

import pytest

from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood
from workflows.generation_payloads import Column

CLINICS = table(
    "clinics",
    [
        Column("id", "integer"),
        Column("name", "text"),
        Column("country", "text", values=["AT", "CH", "DE", "IT", "US"]),
        Column("ward", "text", values=["cardio", "ortho"]),
    ],
)


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("clinics in de or ch", "clinics.country IN ('DE', 'CH')"),
        ("clinics from de, ch and it", "clinics.country IN ('DE', 'CH', 'IT')"),
        ("clinics in us or de", "clinics.country IN ('US', 'DE')"),
        ("clinics with country code us", "clinics.country = 'US'"),
        ("clinics whose country is it", "clinics.country = 'IT'"),
        ("clinics where country = at", "clinics.country = 'AT'"),
        ("clinics located in ch", "clinics.country = 'CH'"),
        ("clinics not in de", "clinics.country <> 'DE'"),
        ("country code ch clinics", "clinics.country = 'CH'"),
        ("clinics where country is not us", "clinics.country <> 'US'"),
        ("clinics in the us", "clinics.country = 'US'"),
        ("clinics from the us or ch", "clinics.country IN ('US', 'CH')"),
        ("clinics with country not in (de, us)", "clinics.country NOT IN ('DE', 'US')"),
        ("clinics with country not in (DE, US)", "clinics.country NOT IN ('DE', 'US')"),
        ("clinics with ward not in (cardio, ortho)", "clinics.ward NOT IN ('cardio', 'ortho')"),
    ],
)
def test_a_code_in_lower_case_is_the_value_the_column_holds(intent: str, condition: str):
    assert understood(intent, [CLINICS]).where == [condition]


@pytest.mark.parametrize(
    "intent", ["clinics in us", "clinics from it", "clinics in at", "clinics to us"]
)
def test_an_english_word_that_is_also_a_code_is_left_for_review(intent: str):
    query = understand(intent, [CLINICS])
    assert query.ambiguous and not query.where


@pytest.mark.parametrize("intent", ["send us the clinics", "clinics, as is", "clinics so far"])
def test_common_words_stay_words(intent: str):
    query = understand(intent, [CLINICS])
    assert not query.where


SHIPMENTS = table(
    "shipments",
    [
        Column("id", "integer"),
        Column("clinic_id", "integer"),
        Column("destination", "text", values=["CH", "DE", "NL"]),
    ],
    [["clinic_id", "clinics", "id"]],
)


@pytest.mark.parametrize(
    ("intent", "condition"),
    [
        ("shipments to nl", "shipments.destination = 'NL'"),
        ("shipments to de or ch", "shipments.destination IN ('DE', 'CH')"),
        ("shipments from clinics in de", "clinics.country = 'DE'"),
        ("shipments from de clinics", "clinics.country = 'DE'"),
    ],
)
def test_a_code_of_several_columns_is_of_the_table_it_is_said_of(intent: str, condition: str):
    assert understood(intent, [SHIPMENTS, CLINICS]).where == [condition]
