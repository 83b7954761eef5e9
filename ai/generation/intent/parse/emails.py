"""Parts of an email address: its domain as a new column ("the email domain of each customer"),
and rows kept by their address's domain ("customers with a gmail address", "emails at
example.com")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ai.generation.intent.grounding import Ref
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import OP_RE
from ai.generation.words import is_text
from connectors.postgres.sql import quote_literal

_EMAIL = r"e-?mails?(?:\s+address(?:es)?)?"
_OWNER = r"(?:the\s+|their\s+|its\s+|each\s+|(?:the\s+)?[a-z_]+'s\s+)?"
_AFTER_AT = (
    r"(?:after|following|follows|behind|past)\s+(?:the\s+)?(?:@|at(?=\s*-?\s*(?:sign|symbol)))"
    r"(?:\s*-?\s*(?:sign|symbol|character))?"
)
_NAMED = r"(?:domains?|hosts?)(?:\s*names?|\s+parts?)?"
# "the email domain", "their email's domain", "the domain of the email (address)", "the email
# host", "the part of the email after the @", "everything following the @ sign in their email
# address", "the domain from the email"
_DOMAIN = re.compile(
    rf"\b(?:(?:the|their|its)\s+)?(?:(?P<a>{_EMAIL})(?:'s)?\s+{_NAMED}"
    rf"|{_NAMED}\s+(?:of|from|in)\s+{_OWNER}(?P<b>{_EMAIL})"
    rf"|(?:part|portion|bit|piece|section|text|substring|everything|what(?:ever)?(?:\s+comes)?|domain|host)"
    rf"\s+(?:of\s+{_OWNER}"
    rf"(?P<c>{_EMAIL})\s+)?(?:that\s+(?:comes\s+)?|coming\s+)?{_AFTER_AT}"
    rf"(?:\s+(?:in|of)\s+{_OWNER}(?P<d>{_EMAIL}))?)"
    r"(?![\w-])"
)
# Providers known by one domain only (a Yahoo or Outlook address has several)
_PROVIDERS = {"gmail": "gmail.com"}
_HOST = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
# "with a gmail address", "using gmail", "with an example.com email", "emails at example.com",
# "whose email ends with @example.com", "email domain is example.com"
_AT_DOMAIN = re.compile(
    rf"\b(?:(?:with|having|has|have|using|use|uses)\s+(?:an?\s+|their\s+)?"
    rf"(?P<p>{'|'.join(_PROVIDERS)}|@?{_HOST})(?:\s+(?P<e1>{_EMAIL}|accounts?|address(?:es)?))?"
    r"(?![\w.@-])"
    rf"|(?P<e2>{_EMAIL})\s+(?:at|@|on|from|ending\s+(?:in|with)|that\s+ends?\s+(?:in|with)"
    rf"|ends?\s+(?:in|with)|domain\s+(?:is|=|of)|in\s+the\s+domain)\s+(?P<h>@?{_HOST}"
    rf"|{'|'.join(_PROVIDERS)})(?![\w.@-]))"
)


class EmailParts(ParserBase):
    """Places an email column's domain as a column or as a condition."""

    def _email_conditions(self, email: Ref) -> None:
        """Rows kept by their address's domain: "customers with a gmail address"."""
        for m in _AT_DOMAIN.finditer(self.text):
            said = m["p"] or m["h"]
            if not self._free(m) or (m["p"] and not m["e1"] and said not in _PROVIDERS):
                continue  # "with a example.com" alone: not said of the email
            domain = _PROVIDERS.get(said, said).removeprefix("@")
            sql = self._use(email)
            cond = f"{sql} LIKE {quote_literal('%@' + domain)}"
            self.q.where.append(cond)
            start = m.start("e2") if m["e2"] else m.start()
            self._place("filter", start, m.end(), f"Keeps rows whose email is at {domain}", cond)

    def _email_domains(self, email: Ref) -> Iterator[tuple[int, int, str, str]]:
        """The email's domain asked as a column ("the email domain of each customer"): its
        words' span, SQL and name, for ComputedColumns to add (one at a time: each one added
        takes its words before the next is looked for)."""
        for m in _DOMAIN.finditer(self.text):
            if not self._free(m):
                continue
            before = self.text[: m.start()]
            if re.search(r"\b(?:per|by|each|every|group(?:ed)?\s+by)\s+$", before):
                continue  # "customers per email domain": a grouping, not placed here
            clause = re.split(r"[,;:()]", self.text[m.end() :], maxsplit=1)[0]
            if re.search(rf"(?:{OP_RE})|[<>=]|\b(?:is|are|was|in|not|like)\b", clause):
                continue  # "whose email domain is …": a condition
            listed = re.search(r"\b([a-z_]+)\s*(?:,|\band\b|&)\s*$", before)
            if listed and ":" not in before and self.cat.columns_named(listed[1], [self.q.root]):
                continue  # "name and email domain": which columns come out is not placed here
            sql = f"split_part({self._use(email)}, '@', 2)"
            yield m.start(), m.end(), sql, f"{email.column.name}_domain"

    def _email_column(self) -> Ref | None:
        """The one text column that holds email addresses: of the rows, else of the one table
        named that each row refers to ("orders of customers with a gmail address")."""
        root = self.q.root
        named = [d for _, _, d in self.mentions if d is not root]
        for tables in ([root], [d for d in named if self.cat.path(root, d, lookups_only=True)]):
            found = {
                Ref(d, c)
                for d in tables
                for c in d.columns
                if is_text(c) and re.search(r"e-?mail", c.name.lower())
            }
            if found:
                return found.pop() if len(found) == 1 else None
        return None
