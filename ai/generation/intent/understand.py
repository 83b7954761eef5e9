"""An intent over real tables → a query shape: the row table, joins, filters, computed columns,
grouping and aggregates, order and limit, one row per key; every piece tied to the words it came
from, and the words nothing placed (``unresolved``).

Pieces are recognised in a fixed order (the passes of ``parse``), each taking the words it used
(spans.Coverage); a piece that cannot be grounded leaves its words free, so they end up
unresolved rather than ignored.
"""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Catalog
from ai.generation.intent.parse.parser import Parser
from ai.generation.intent.parse.words import UNIT_COLUMNS, VOCABULARY
from ai.generation.intent.query import Out, Query
from ai.generation.intent.spans import Coverage
from ai.generation.intent.wording import expand, respelled, take_copy_wording
from workflows.generation_payloads import DatasetSchema

__all__ = ["Out", "Query", "normalize", "understand"]


def _factor(m: re.Match[str]) -> str:
    """ "* (1 + 19%)" as the one number it is: "* 1.19"."""
    share = float(m[3]) / (100 if m[4] else 1)
    return f" {m[1]} {1 + share if m[2] == '+' else 1 - share:g} "


def normalize(intent: str) -> str:
    text = intent.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    text = text.replace("\u00d7", " * ").replace("\u00f7", " / ").replace("\u2212", "-")
    text = re.sub(r"(?<=\w)\s*\*\s*(?=\w)", " * ", text)  # "qty*unit_price": an operator
    text = re.sub(  # "total * (1 + 19%)": total * 1.19
        r"(\*|\btimes)\s*\(\s*1\s*([+-])\s*(\d+(?:\.\d+)?)\s*(%|percent)?\s*\)",
        _factor,
        text,
        flags=re.I,
    )
    text = re.sub(r"(?<=[A-Za-z_])\s*(!=|<>|=)\s*(?=[\w'])", r" \1 ", text)  # "status=shipped"
    text = re.sub(r"\b(sum|avg|count|min|max)\(", r"\1 (", text, flags=re.I)  # "sum(cost)"
    text = re.sub(r"#\s*of\b|#(?=\s*[a-z])", "number of ", text, flags=re.I)  # "# of orders"
    text = re.sub(r"\bw/o\b", "without", text, flags=re.I)
    text = re.sub(  # "19% VAT on top of the total": the total plus 19% VAT
        r"\b(\d+(?:\.\d+)?\s*(?:%|percent)\s+(?:vat|tax|sales\s+tax))\s+(?:added\s+)?"
        r"on\s+top\s+of\s+(?:the\s+|its\s+|their\s+)?([a-z][a-z_]*)\b",
        r"\2 plus \1",
        text,
        flags=re.I,
    )
    units = "|".join(k for k in UNIT_COLUMNS if "%" not in k)
    text = re.sub(  # "cost/kg (cost / weight_kg)", "cost/kg = …": a name, cost_per_kg
        rf"\b([a-z][a-z_]*)\s*/\s*({units})(?=\s*[(=:])", r"\1_per_\2", text, flags=re.I
    )
    text = re.sub(r"\b(who|they|we|you|i)'ve\b", r"\1 have", text, flags=re.I)  # "who've"
    text = re.sub(r"\b(what|which|who|how|where|that|there)'s\b", r"\1 is", text, flags=re.I)
    text = re.sub(r"\bw/(?=\s)", "with", text, flags=re.I)
    text = re.sub(r"\bincl\.?(?=\s)", "including", text, flags=re.I)
    text = re.sub(r"\b(?:nr|no|num)\.?\s+of\b", "number of", text, flags=re.I)
    text = re.sub(r"\btop-(\d+)\b", r"top \1", text, flags=re.I)
    aggregate = r"min|max|minimum|maximum|avg|average|mean|sum|count|total"
    listed = re.compile(rf"\b({aggregate})\s*/\s*({aggregate})\b", re.I)
    while listed.search(text):  # "avg/min/max": each one said
        text = listed.sub(r"\1 and \2", text)
    text = re.sub(r"(?<![\w'])'([\w -]+)'(?![\w'])", r"\1", text)  # "count of 'purchase' events"
    text = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m[1].replace(".", ""), text)  # "U.K."
    return " ".join(text.split()).lower()


def understand(
    intent: str,
    datasets: list[DatasetSchema],
    *,
    ignore: set[str] | None = None,
    aggregate_ok: bool = True,
) -> Query:
    """The query an intent asks of ``datasets``; ``ignore`` holds words that name systems,
    connections or the target (never filters)."""
    text = respelled(expand(normalize(intent), datasets), datasets, VOCABULARY)
    cov = Coverage(text)
    dotless = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m[1].replace(".", ""), intent)  # U.K.
    cat = Catalog(datasets, shouted=set(re.findall(r"\b[A-Z][A-Z0-9]+\b", dotless)))
    named = {f for d in datasets for f in cat.forms(d)}  # a table called warehouses is no system
    for word in (ignore or set()) - named:
        for m in re.finditer(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", text):
            cov.take_match(m)
    take_copy_wording(text, cov, cat)
    taken = list(cov.taken)
    query = Parser(text, cov, cat, aggregate_ok).parse()
    fanned = {d.dataset: d for d, _ in query.joins if cat.references(d, query.root)}
    fanned |= {d.dataset: d for d in query.counted if cat.references(d, query.root)}
    if query.ambiguous and len(fanned) == 1:
        # "top 5 customers by total order value", "the 3 warehouses with the most shipments":
        # the rows summed or counted are the orders, the shipments
        again = Parser(
            text, Coverage(text, list(taken)), cat, aggregate_ok, root=next(iter(fanned.values()))
        )
        retried = again.parse()
        if retried.aggregates and not retried.ambiguous and not retried.unresolved:
            return retried
    return query
