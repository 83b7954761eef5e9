"""Rankings: "top 10 products by revenue", "the 5 customers who spent the most"."""

from __future__ import annotations

import re

from ai.generation.intent.lexicon import NUMBER_WORDS
from ai.generation.intent.parse.base import participle_stem
from ai.generation.intent.parse.grouping import Grouping
from ai.generation.intent.parse.words import SUPERLATIVES
from ai.generation.intent.query import Out
from ai.generation.words import singular


class Ranking(Grouping):
    """Finds a ranking and what it ranks by."""

    def _top(self) -> None:
        """ "top 10 products by revenue", "the 3 warehouses with the most shipments", "5
        customers who spent the most", "the 5 most expensive products": a ranking, kept for
        _aggregates (which knows what is ranked)."""
        n_re = rf"(?P<n>\d+|{'|'.join(NUMBER_WORDS)})"
        most = r"highest|most|largest|biggest|greatest|lowest|smallest|fewest|least"
        selling = r"(?:(?:(?:best|top|biggest)[- ]selling|biggest|largest|top|best)\s+)"
        measure = (
            r"(?:the\s+)?(?P<measure>[a-z_ ]+?)"
            r"(?=$|[,.;:(?+]|\s+\+|\s+(?:with|and|from|in|per|into|to|showing|including|plus)\b)"
        )
        forms = [
            rf"\b(?:the\s+)?(?:top|first|best|biggest|largest|highest)\s+{n_re}\s+{selling}?"
            rf"(?P<ent>[a-z_]+(?:\s+[a-z_]+)?)?\s*(?:by|ranked\s+by|in\s+terms\s+of|with\s+the\s+(?P<dir>{most}))"
            rf"\s+{measure}",
            rf"\b(?:the\s+)?{n_re}\s+{selling}(?P<ent>[a-z_]+)\s+(?:by|ranked\s+by)\s+{measure}",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<ent>[a-z_]+)\s+(?:with|having|that\s+have)"
            rf"\s+(?:the\s+)?(?P<dir>{most})\s+{measure}",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<ent>[a-z_]+)\s+(?:(?:who|that|which)\s+)?"
            rf"(?P<verb>[a-z]+)\s+the\s+(?P<dir>most|least)\b"
            r"(?:\s+on\s+(?:their\s+|the\s+|all\s+)?(?P<on>[a-z_]+(?:\s+[a-z_]+)?)(?=$|[,.;:?(]|\s+"
            r"(?:with|and|including|plus|showing)\b))?"
            rf"(?:\s+{measure})?",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<sup>{SUPERLATIVES}|most\s+expensive|priciest"
            r"|newest|latest|most\s+recent|oldest|earliest)\s+(?P<ent>[a-z_]+)",
            rf"\b(?:the\s+)?(?:top\s+)?{n_re}\s+(?P<dir>{most}|top)[\s-]+(?P<measure>[a-z_]+)\s+"
            r"(?P<ent>[a-z_]+)",
        ]
        asked = r"(?:(?:which|what)\s+)?"  # "which 10 products generate the most revenue?"
        m = next((x for f in forms if (x := re.search(asked + f, self.text)) is not None), None)
        if not m:
            return
        n = int(m["n"]) if m["n"].isdigit() else NUMBER_WORDS[m["n"]]
        words = m.groupdict()
        low = r"lowest|smallest|fewest|least|cheapest|lightest|shortest|oldest|earliest"
        desc = not re.match(low, words.get("dir") or words.get("sup") or "")
        self._top_request = (m, n, desc)

    def _top_measure_start(self, m: re.Match[str]) -> int:
        """Where the words of what is ranked start (the end of the ranking when none)."""
        return m.start("measure") if m.groupdict().get("measure") else m.end()

    def _top_by_verb_or_adjective(self, top: tuple[re.Match[str], int, bool]) -> bool:
        """ "5 customers who spent the most": the sum of their rows' money, per customer;
        "the 3 warehouses that shipped the most": their shipments counted; "the 5 most
        expensive products": the rows ordered by price. True when placed."""
        q = self.q
        m, n, desc = top
        words = m.groupdict()
        entity = self.cat.table_named(m["ent"])
        if entity is None:
            return False
        if words.get("sup"):
            if entity is not q.root:
                return False
            sup = words["sup"]
            ref = self._measure_of(sup)
            if ref is None and re.match(r"newest|latest|most\s+recent|oldest|earliest", sup):
                ref = self._date_of(q.root)
            if ref is None:
                return False
            direction = "DESC" if desc else "ASC"
            q.order.append(f"{self._use(ref)} {direction}")
            q.limit = n
            self._place(
                "order", m.start(), m.end(), f"Keeps the {n} {sup} rows by {ref.column.name}",
                f"ORDER BY {ref.sql} {direction} LIMIT {n}",
            )  # fmt: skip
            return True
        verb = words.get("verb") or ""
        children = [e.child for e in self.cat.edges if e.parent is entity and e.child is not entity]
        if words.get("measure"):
            return False  # "generate the most revenue": ranked by the aggregate said
        if re.fullmatch(r"spent|spend|paid|pay|earned|generated", verb):
            money = [(d, self._money(d)) for d in children if self._money(d) is not None]
            if words.get("on"):  # "spent the most on orders": the money of those rows
                spent_on = self.cat.table_named(words["on"])
                money = [(d, ref) for d, ref in money if d is spent_on]
            if len(money) != 1 or not self.aggregate_ok:
                return False
            fact, ref = money[0]
            agg = Out(f"sum({self._use(ref)})", f"total_{verb}")  # type: ignore[arg-type]
        else:
            stem = participle_stem(verb)
            counted = [d for d in children if len(stem) >= 3 and stem in d.table.lower()]
            if len(counted) != 1 or not self.aggregate_ok:
                return False
            fact = counted[0]
            agg = Out("count(*)", f"{singular(fact.table)}_count")
            if fact is not q.root:
                q.counted.append(fact)
                q.ambiguous.append(f"'{m.group(0)}' counts {fact.table}, not {q.root.table}")
        if fact is not q.root and agg.sql == "count(*)":
            return True
        q.aggregates.append(agg)
        self._group_entity(entity, m.start("ent"), m.end("ent"), label_too=True)
        q.order.append(f"{agg.name} {'DESC' if desc else 'ASC'}")
        q.limit = n
        if agg.name == f"total_{verb}":  # "with name and total spent": the sum, shown
            for said in re.finditer(rf"\b(?:total|amount)[\s_]+{verb}\b", self.text[m.end() :]):
                if self.cov.free(m.end() + said.start(), m.end() + said.end()):
                    self.cov.take(m.end() + said.start(), m.end() + said.end())
        self._place(
            "aggregate", m.start(), m.end(), f"Computes {agg.name} as {agg.sql} per {entity.table}",
            f"{agg.sql} AS {agg.name} ORDER BY {agg.name} LIMIT {n}",
        )  # fmt: skip
        return True
