"""The domain of an email said as a description: "the part of the email after the @", "the
email host", "everything after the @ sign in their email", "the domain from the email": the
same new column as "the email domain", named as the intent names it."""

from __future__ import annotations

import pytest

from ai.generation.intent.sql import select_sql
from tests.unit.ai.tables import table, understood

MEMBERS = table("members", [("id", "integer"), ("full_name", "text"), ("contact_email", "text")])
DOMAIN = "split_part(members.contact_email, '@', 2)"


@pytest.mark.parametrize(
    "intent",
    [
        "members with the part of the email after the @",
        "members with the part of the email that comes after the @",
        "members and everything after the @ in their email",
        "members with the portion of the email address after the @ sign",
        "members plus the bit after the at sign of their email",
        "members with their email host",
        "members with the email hostname",
        "members with the host of the email",
        "members and the domain from their email",
        "members with the domain of the email address",
        "members plus the domain after the @ of their email",
        "members plus the substring following the @ in their email",
        "members plus what comes after the @ in the email",
        "members with everything that follows the @ in their email",
        "members with the part of the member's email after the @",
    ],
)
def test_the_part_after_the_at_is_the_email_domain(intent: str):
    assert f"{DOMAIN} AS contact_email_domain" in select_sql(understood(intent, [MEMBERS]))


@pytest.mark.parametrize(
    "intent",
    [
        "members with mail_domain = the part of the email after the @",
        "members with the part of the email after the @ as mail_domain",
        "members plus mail_domain (the part of the email after the @)",
        "members with whatever follows the @ sign in the email as mail_domain",
        "members plus mail_domain (everything after the @ sign in their email address)",
    ],
)
def test_the_part_after_the_at_takes_the_name_said(intent: str):
    assert f"{DOMAIN} AS mail_domain" in select_sql(understood(intent, [MEMBERS]))
