"""The parser: runs the passes in their fixed order over one intent and closes the query."""

from __future__ import annotations

import re

from ai.generation.intent.parse.aggregates import Aggregates
from ai.generation.intent.parse.columns import ColumnChoices
from ai.generation.intent.parse.comparisons import Comparisons
from ai.generation.intent.parse.joins import AntiJoins
from ai.generation.intent.parse.periods import Periods
from ai.generation.intent.parse.picks import Picks
from ai.generation.intent.parse.shape import RowShape
from ai.generation.intent.parse.tables import RowTable
from ai.generation.intent.parse.values import ValueFilters
from ai.generation.intent.query import Query
from ai.generation.intent.wording import take_framing

_WHOLE_TABLE = (
    r"\b(?:(?:as\s+)?(?:a|one)\s+(?:single\s+)?(?:row|number|figure|value|total)|overall"
    r"|in\s+total|altogether|all\s+together|for\s+the\s+whole\s+table)\b"
)


class Parser(
    RowTable,
    RowShape,
    Aggregates,
    Periods,
    Comparisons,
    AntiJoins,
    ValueFilters,
    Picks,
    ColumnChoices,
):
    """One intent's parse: each pass takes the words it places."""

    def parse(self) -> Query:
        root = self._root()
        q = Query(root=root, tables={root.dataset})
        self.q = q
        self.prefer = [root, *[d for _, _, d in self.mentions if d is not root]]
        self._fact()
        self._summed_children()
        self._counted_children()
        self._schedule()
        self._load_words()
        self._dedupe()
        self._top()
        self._computed()
        self._column_choices()
        self._aggregates()
        self._aggregate_said_again()
        self._periods()
        self._between_numbers()
        self._comparisons()
        self._unmatched()
        self._anti_joins()
        self._never_verbed()
        self._nullness()
        self._existence()
        self._negation_restated()
        self._values()
        self._booleans()
        self._related_dates()
        self._picks()
        self._chosen_columns()
        self._relation_words()
        self._order()
        for start, end, d in self.mentions:  # the tables named: placed by the joins they need
            if d is root or d.dataset in q.tables:
                self.cov.take(start, end)
            if d.dataset in q.tables and q.aggregates:  # "sum of qty * unit_price over items"
                over = re.search(r"\b(?:over|across)\s+(?:all\s+)?(?:the\s+)?$", self.text[:start])
                if over is not None:
                    self.cov.take(over.start(), start)
            if d is q.root:  # "each order item with …", "to every order"
                lead = re.search(r"\b(?:each|every)\s+$", self.text[:start])
                if lead is None and re.match(r"\s*:", self.text[end:]):  # "per order item: …"
                    lead = re.search(r"\bper\s+$", self.text[:start])
                if lead is not None and not q.groups:
                    self.cov.take(lead.start(), start)
                grouping = re.match(r"\s*(?:group|aggregate|bucket)\s+$", self.text[:start])
                if grouping is not None and q.groups:  # "group events by type and count them"
                    self.cov.take(grouping.start(), start)
        for m in re.finditer(r"\bbut\s+(?=(?:only|just)\b)", self.text):
            if not self.cov.free(m.end(), m.end() + 4):
                self.cov.take_match(m)  # "…, but only sales with a customer": only
        for m in re.finditer(r"(?:^|,)\s*(each|every\s+one)\s+with\b", self.text):
            self.cov.take(m.start(1), m.end())  # "order items, each with the status of …"
        if q.limit is not None and q.one_per is not None and not q.aggregates:
            self._rows_per_key()
        if q.limit is not None and q.one_per is not None and not q.aggregates:
            q.ambiguous.append(  # "the 3 most expensive shipments per warehouse"
                f"the first {q.limit} rows and one row per {q.one_per.name}: {q.limit} per "
                f"{q.one_per.name}, or {q.limit} in all?"
            )
        if q.aggregates and not q.groups:  # "total number of orders, one row", "overall"
            for m in re.finditer(_WHOLE_TABLE, self.text):
                self.cov.take_match(m)
        for c in self._computed_cols if q.aggregates else []:  # not in the output: not asked?
            if not any(c.sql in o.sql for o in [*q.aggregates, *q.groups]):
                q.ambiguous.append(f"'{c.name}' is computed, but neither grouped by nor aggregated")
        if q.keep_unmatched and q.where:  # "… number of cancelled orders, including those
            # with none": a condition on the rows counted would drop the rows with none
            q.ambiguous.append("a count kept at 0 and a condition: on the rows read or counted?")
        if q.having and not q.groups:
            q.ambiguous.append("a condition on an aggregate, but no groups to keep or drop")
        if q.aggregates and q.one_per is not None:
            q.ambiguous.append(
                f"one row per {q.one_per.name} and an aggregate: which is done first?"
            )
        self._traded_measures()
        columns = None if q.columns is None else len(q.columns) + len(q.picks)
        if q.aggregates:
            columns = len(q.groups) + len(q.aggregates)
        plain = not (q.where or q.picks or q.aggregates or q.limit or q.one_per or q.joins)
        take_framing(
            self.text, self.cov, self.cat, q.root, q.tables, columns, plain and not columns
        )
        q.unresolved = self.cov.left()
        for start, end, d in self.mentions:  # "shipments and their warehouse": a table named,
            # read by nothing, even when its name is also a system's ("into the warehouse")
            word = self.text[start:end]
            if (
                self.cov.free(start, end)
                and d.dataset not in q.tables
                and word not in q.unresolved
                and not re.search(r"\b(?:into|to|in|onto)\s+(?:[a-z]+\s+){0,2}$", self.text[:start])
            ):
                q.unresolved.append(word)
        return q
