"""The table whose rows the query reads: the one named, the one holding the money summed
("revenue per product": order items), or the one counted through."""

from __future__ import annotations

import re

from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.parse.words import AGG_WORDS, DONE, SUPERLATIVES
from ai.generation.planning import PlanningError
from ai.generation.words import is_numeric
from workflows.generation_payloads import DatasetSchema

_KEEP_ITS = (
    r"\bfor\s+(?:each|every)\s+(?P<key>[a-z_]+)\s*,?\s*(?:keep|keeping|take|pick|retain)\s+"
    rf"(?:only\s+)?(?:its|their|the)\s+(?P<which>{SUPERLATIVES}|latest|newest|most\s+recent|first"
    r"|earliest|oldest|last)\s+(?P<what>[a-z_]+)"
)

_KEEP_RE = re.compile(_KEEP_ITS)


class RowTable(ParserBase):
    """Chooses the row table."""

    def _root(self) -> DatasetSchema:
        if self.forced_root is not None:
            return self.forced_root
        kept = re.search(_KEEP_ITS, self.text)  # "for each shipment keep only its heaviest parcel"
        listed = re.match(r"(?:for\s+(?:each|every)|per)\s+", self.text)
        for start, end, d in self.mentions:  # "for each tracking scan, the … of its parcel"
            if (
                listed
                and start == listed.end()
                and re.match(r"\s*[,:]", self.text[end:])
                and not re.search(rf"\b(?:{AGG_WORDS}|per|by)\b", self.text[end:])
            ):
                return d
        for start, end, d in self.mentions:  # "add the shipment status to every parcel"
            if (
                re.match(r"(?:please\s+)?(?:add|attach|append)\b", self.text)
                and re.search(
                    r"\bto\s+(?:(?:each|every|all(?:\s+of)?|the|our)\s+)*$", self.text[:start]
                )
                and not self.text[end:].strip(" .!")
            ):
                return d
        if kept and self.cat.table_named(kept["what"]) is not None:
            return self.cat.table_named(kept["what"])  # type: ignore[return-value]
        free = []
        for start, end, d in self.mentions:
            before = self.text[max(0, start - 24) : start]
            listing = re.match(r"\s*:", self.text[end:])  # "for each order item: the order id"
            if not listing and re.search(
                r"(?:\b(?:per|by|for each|for every|its|their)|(?<!\blist )(?<!\ball )(?<!\bcopy )"
                r"(?<!\bnone )(?<!\bsome )\bof the|\w\s+(?:each|every))\s+$",
                before,
            ):
                continue
            if re.search(
                r"\b(?:without|with no|no|never\s+\w+\s+(?:an?|any))\s+(?:an?\s+|any\s+)?$", before
            ):
                continue
            if self.text[start:end].endswith("'s"):
                continue
            free.append(d)
        each = [
            (s, d)
            for s, _, d in self.mentions
            if re.search(r"\b(?:each|every)\s+$", self.text[max(0, s - 12) : s])
        ]
        if len(each) == 1 and not re.search(rf"\b(?:{AGG_WORDS}|per)\b", self.text):
            # "customer email on every order": every table named before it names a column of
            # it; the rows are the orders
            owner = each[0][1]
            if all(
                (after := re.match(r"(?:'s)?\s+([a-z_]+)", self.text[e:])) is not None
                and any(r.dataset is d for r in self.cat.columns_named(after[1], [d]))
                and self.cat.references(owner, d)
                for s, e, d in self.mentions
                if d is not owner
            ):
                return owner
        named = [  # "kitchen items from the products table": the table said to be read
            d
            for s, e, d in self.mentions
            if re.match(r"\s+table\b", self.text[e:])
            and re.search(r"\bfrom\s+(?:the\s+|our\s+|my\s+)?$", self.text[:s])
        ]
        if len(named) == 1:
            return named[0]
        bridge = self._distinct_counted_through(free)
        if bridge is not None:
            return bridge
        if free:
            return free[0]
        if self.mentions:
            return self.mentions[0][2]
        if len(self.cat.datasets) == 1:
            return self.cat.datasets[0]
        # no table named: the one table holding the most of the columns named
        held = {
            d.dataset: {
                r.column.name
                for m in self.cat.mentions(self.text, [d])
                for r in m.refs
                if r.dataset is d
            }
            for d in self.cat.datasets
        }
        best = sorted(self.cat.datasets, key=lambda d: -len(held[d.dataset]))
        if (
            best
            and len(held[best[0].dataset]) >= 2
            and (len(best) == 1 or len(held[best[0].dataset]) > len(held[best[1].dataset]))
        ):
            return best[0]
        tied = [
            d
            for d in best
            if held[d.dataset] and len(held[d.dataset]) == len(held[best[0].dataset])
        ]
        reaching = [  # "revenue by category, sum of quantity * unit_price": the order items,
            # which reach the products' category; not the products, which do not reach them
            d
            for d in tied
            if all(o is d or self.cat.path(d, o, lookups_only=True) for o in tied)
        ]
        if (
            len(tied) > 1
            and len(reaching) == 1
            and re.search(rf"\b(?:{AGG_WORDS}|per|by)\b", self.text)
        ):
            return reaching[0]
        # "purchases in 2024", "electronics over 100": the one table whose values the words are
        valued = {
            r.dataset.dataset: r.dataset
            for w in re.findall(r"[a-z][a-z0-9_-]+", self.text)
            for r, _ in self.cat.values_named(w, self.cat.datasets)
        }
        if len(valued) == 1:
            return next(iter(valued.values()))
        names = ", ".join(sorted(d.qualified for d in self.cat.datasets)[:20])
        raise PlanningError(f"the intent names none of the source tables ({names}): name the table")

    def _distinct_counted_through(self, free: list[DatasetSchema]) -> DatasetSchema | None:
        """ "how many different products in each order", "unique parcels scanned per warehouse
        code": the rows counted are the distinct references of the table that reaches them and
        every table grouped by through references (the order items, the tracking scans); that
        table's rows are read: the one the verb names ("scanned"), else the one fewest joins
        away. None unless exactly one fits."""
        counted = [
            (s, e, d)
            for s, e, d in self.mentions
            if re.search(
                r"(?:\b(?:number\s+of|how\s+many|count(?:\s+of)?)\s+(?:the\s+)?|^)(?:distinct|different"
                r"|unique)\s+$",
                self.text[:s],
            )
        ]
        if len(counted) != 1:
            return None
        start, end, target = counted[0]
        verbed = re.match(
            rf"\s+(?:(?:who|that|which)\s+)?(?:(?:were|was|got)\s+)?({DONE})\b", self.text[end:]
        )
        counted_per = re.match(r"\s+(?:per|(?:in|for|at)\s+(?:each|every))\b", self.text[end:])
        if (
            not re.search(r"\b(?:number|many|count)\b", self.text[:start])
            and verbed is None
            and counted_per is None  # "unique SKUs in each order": counted per order
        ):
            return None  # "unique customers by email": one row per email
        others = {d.dataset: d for _, _, d in self.mentions if d is not target}
        for g in re.finditer(r"\b(?:per|by|each|every)\s+(?:the\s+)?([a-z_]+)", self.text):
            owners = {r.dataset.dataset: r.dataset for r in self.cat.columns_named(g[1], [])}
            if len(owners) == 1 and self.cat.table_named(g[1]) is None:  # "per location"
                others.update(owners)
        if not others:
            return None
        hops: dict[str, int] = {}
        for c in self.cat.datasets:
            paths = [
                [] if c is t else self.cat.path(c, t, lookups_only=True)
                for t in [target, *others.values()]
            ]
            if all(p is not None for p in paths):
                hops[c.dataset] = sum(len(p) for p in paths if p is not None)
        bridges = [c for c in self.cat.datasets if c.dataset in hops and c is not target]
        bridges += [target] if target.dataset in hops else []
        maker = self._made_by(verbed[1]) if verbed else None
        if maker is not None:
            return maker if maker.dataset in hops else None
        named = [c for c in bridges if any(c is f for f in free) and c is not target]
        if len(named) == 1:
            return named[0]
        fewest = sorted(bridges, key=lambda c: hops[c.dataset])
        if len(fewest) == 1 or (fewest and hops[fewest[0].dataset] < hops[fewest[1].dataset]):
            return fewest[0] if not free[1:] or fewest[0] is not target else None
        return None

    def _fact(self) -> None:
        """ "Revenue per product": the rows summed are the table holding the money that refers
        to the one named (order items, not products)."""
        q = self.q
        money = re.search(r"\b(revenue|turnover|sales|spend(?:ing)?|income)\b", self.text)
        if not money or any(s <= money.start() < e for s, e, _ in self.mentions):
            return
        if self._revenue(q.root) is not None:
            return
        ranked: list[tuple[int, DatasetSchema]] = []
        for edge in self.cat.edges:
            if edge.parent is q.root and edge.child is not q.root:
                rank = self._revenue_rank(edge.child)
                if rank is not None:
                    ranked.append((rank, edge.child))
        ranked.sort(key=lambda x: x[0])
        if not ranked:
            return
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            q.ambiguous.append(
                f"'{money[1]}' may be read from "
                + " or ".join(d.table for r, d in ranked if r == ranked[0][0])
            )
            return
        fact = ranked[0][1]
        q.root = fact
        q.tables = {fact.dataset}
        self.prefer = [fact, *[d for d in self.prefer if d is not fact]]

    def _revenue_rank(self, d: DatasetSchema) -> int | None:
        names = {c.name.lower() for c in d.columns if is_numeric(c)}
        if names & {"quantity", "qty"} and any("price" in n for n in names):
            return 0
        if names & {"amount", "total", "revenue", "total_amount", "line_total", "value"}:
            return 1
        return None
