"""Parts of an email address, over a small library schema (no services): the domain as a new
column ("the email domain of each member"), rows kept by the domain ("members with a gmail
address", "emails at example.org"), also of the table the rows refer to; a part no column
holds for certain ("first name" of a full name) is left for review."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import understand
from tests.unit.ai.tables import table, understood

MEMBERS = table(
    "members",
    [("id", "integer"), ("full_name", "text"), ("contact_email", "text")],
)
LOANS = table(
    "loans",
    [("id", "integer"), ("member_id", "integer"), ("fee", "numeric(10,2)")],
    [["member_id", "members", "id"]],
)
TABLES = [MEMBERS, LOANS]
DOMAIN = "split_part(members.contact_email, '@', 2) AS contact_email_domain"


@pytest.mark.parametrize(
    "intent",
    [
        "the email domain of each member",
        "members with their email domain",
        "members and the domain of their email address",
        "members plus the email's domain",
    ],
)
def test_the_domain_of_an_email_is_a_new_column(intent: str):
    assert DOMAIN in select_sql(understood(intent, TABLES))


@pytest.mark.parametrize(
    ("intent", "domain"),
    [
        ("members with a gmail address", "gmail.com"),
        ("members using gmail", "gmail.com"),
        ("members with an example.org email", "example.org"),
        ("members whose email ends with @example.org", "example.org"),
        ("members with emails at example.org", "example.org"),
        ("members whose email domain is example.org", "example.org"),
    ],
)
def test_rows_kept_by_the_domain_of_their_email(intent: str, domain: str):
    assert understood(intent, TABLES).where == [f"members.contact_email LIKE '%@{domain}'"]


def test_the_domain_of_the_table_the_rows_refer_to():
    query = understood("loans of members with a gmail address", TABLES)
    assert query.where == ["members.contact_email LIKE '%@gmail.com'"]


@pytest.mark.parametrize(
    "intent",
    [
        "members with their first name",
        "members with a yahoo address",  # Yahoo has several domains
        "number of members per email domain",
    ],
)
def test_what_is_not_certain_is_left_for_review(intent: str):
    query = understand(intent, TABLES)
    assert query.unresolved or query.ambiguous
