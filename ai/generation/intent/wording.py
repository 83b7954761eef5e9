"""Harmless wording around what an intent asks: short forms written out, framing ("I'd like",
"nothing else", "two columns"), a verb that moves the table, and a participle that names no
choice ("the buying customer"). Each is placed only when the schema and the query show it
carries no condition, column or table of its own."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Catalog, column_forms, near
from ai.generation.intent.lexicon import (
    ABBREVIATIONS,
    FILLER,
    LEAD_VERBS,
    MOVED,
    NUMBER_WORDS,
    SYSTEM_WORDS,
    UNAPOSTROPHED,
)
from ai.generation.intent.spans import Coverage
from workflows.generation_payloads import DatasetSchema


def schema_words(datasets: list[DatasetSchema]) -> set[str]:
    """Every word a table, column (by its own name) or sampled value of ``datasets`` is called."""
    words: set[str] = set()
    for d in datasets:
        words |= {d.table.lower(), *d.table.lower().split("_")}
        for c in d.columns:
            for form in column_forms(c, synonyms=False):
                words |= {form, *re.split(r"[\s_]+", form)}
            words |= {v.lower() for v in c.values}
    return words


# The short forms, longest first ("amt." too), and the negations typed without their apostrophe
_SHORT_FORMS = re.compile(
    rf"(?<![\w.'])({'|'.join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))})"
    r"\.?(?![\w'])"
)
_NEGATIONS = re.compile(rf"(?<![\w'])({'|'.join(UNAPOSTROPHED)})(?![\w'])")


def expand(text: str, datasets: list[DatasetSchema]) -> str:
    """``text`` with its short forms written out ("amt" → "amount", "isnt" → "isn't"), except a
    short form that the schema itself uses as a name or a value."""
    known = schema_words(datasets)
    text = _SHORT_FORMS.sub(lambda m: m[0] if m[1] in known else ABBREVIATIONS[m[1]], text)
    text = re.sub(  # "does'nt", "is'nt": the apostrophe in the wrong place
        r"\b(is|are|was|were|does|do|did|has|have|had)'nt\b", r"\1n't", text
    )
    text = _NEGATIONS.sub(lambda m: m[0] if m[1] in known else UNAPOSTROPHED[m[1]], text)
    text = text.replace("\u2260", " != ")  # "status ≠ cancelled"
    text = re.sub(  # "status is not equal to cancelled", "doesn't equal": status != cancelled
        r"\b(?:(?:is|are)(?:\s+not|n't)\s+equal(?:\s+to)?|(?:does|do)(?:\s+not|n't)\s+equal"
        r"(?:\s+to)?|not\s+equals)(?=\s)",
        "!=",
        text,
    )
    # "(price-cost)": a minus between two columns' names
    names = {c.name.lower() for d in datasets for c in d.columns}
    return re.sub(
        r"(?<![\w-])([a-z_]+)-([a-z_]+)(?![\w-])",
        lambda m: f"{m[1]} - {m[2]}" if m[1] in names and m[2] in names else m[0],
        text,
    )


def respelled(text: str, datasets: list[DatasetSchema], vocabulary: set[str]) -> str:
    """``text`` with each misspelled word of the planner's own ``vocabulary`` (comparisons,
    units: "abvoe", "greather", "kilogramms") written right: a word no table, column or value
    is called, a typo of exactly one word of it with the same first letter, and not another
    form of it ("large" is no typo of larger)."""
    known = schema_words(datasets)

    def right(m: re.Match[str]) -> str:
        word = m[0]
        if word in vocabulary or word in known or word in FILLER:
            return word
        close = [
            v
            for v in vocabulary
            if v[0] == word[0]
            and not v.startswith(word)
            and not word.startswith(v)
            and near(word, v)
        ]
        return close[0] if len(close) == 1 else word

    text = re.sub(r"\b(more|less|greater|fewer|[a-z]+er)\s+then\b(?=\s+[\d$'])", r"\1 than", text)
    return re.sub(r"(?<![\w'])[a-z]{5,}(?![\w'])", right, text)


_LIKE = re.compile(
    r"\b(?:i'd|we'd|i\s+would|we\s+would|would)\s+(?:really\s+)?like(?:\s+to\s+(?:have|get|see))?"
    r"\b"
)
_LEAD = re.compile(r"^(?:(?:please|hey|kindly|can\s+you|could\s+you|would\s+you)[\s,]+)*([a-z]+)\b")
_COURTESY = re.compile(
    r"\b(?:(?:would|could|can|will)\s+(?:you|i|we)|kindly|thanks|thank\s+you|cheers|asap"
    r"|(?:i'm|i\s+am|we're|we\s+are)\s+after)\b|^(?:what|which)\s+(?:are|is|were)\b"
)
# Words that say the rows are copied as they are: true only of a query with no condition,
# projection, computed column, grouping or limit.
_AS_THEY_ARE = re.compile(
    r"\b(?:(?:straight|plain|exact|raw|1\s*:\s*1|one\s+to\s+one)(?=\s+(?:copy|replica|dump|load))"
    r"|unchanged|unfiltered|untouched|verbatim|as-is|nothing\s+fancy|1\s*:\s*1(?![\d:])"
    r"|no\s+(?:filters?|filtering|transformations?|changes)(?:\s+(?:at\s+all|whatsoever))?)\b"
)
# A copy of a whole table said as a noun or a verb at the start: "make a copy of", "a duplicate
# of", "clone", "back up"; "duplicate" as a verb only before "the", a table said as such or where
# it goes ("duplicate customers" may be the rows that are duplicates).
_COPY = re.compile(
    r"^(?:(?:please|hey|kindly|can\s+you|could\s+you|would\s+you)[\s,]+)*(?:"
    r"(?:(?:make|create|build|produce|take|keep|set\s+up|do|give\s+me|i\s+need|we\s+need"
    r"|i\s+want|we\s+want)\s+)?(?:(?:a|an|one)\s+)?(?:(?:exact|full|complete|straight|plain|fresh"
    r"|new|1\s*:\s*1|backup|back-up)\s+)*(?:copy|duplicate|clone|replica|mirror|backup|back-up"
    r"|snapshot)\s+of"
    r"|(?:create|make|build|clone|back\s+up|backup|replicate|mirror|copy)"
    r"|duplicate(?=\s+(?:the|our|my|all|this|every|each)\b|\s+[a-z_]+\s+(?:table\b|(?:in)?to\b"
    r"|over\b|across\b|$)))\b"
)
_COPIED = re.compile(
    r"\b(?:duplicated|cloned|backed\s+up)(?=\s+(?:over\s+|across\s+)?(?:in)?to\s+(?:the\s+|our\s+"
    r"|my\s+)?(?P<to>[a-z0-9_]+))"
)


def take_copy_wording(text: str, cov: Coverage, cat: Catalog) -> None:
    """Places the words that say a table is copied, before any pass reads them as a column
    ("create" is no created_at)."""
    lead = _COPY.match(text)
    if lead is not None and cat.table_named(lead[0].rsplit(maxsplit=1)[-1]) is None:
        cov.take_match(lead)
    for m in _COPIED.finditer(text):
        if m["to"] in SYSTEM_WORDS:
            cov.take_match(m)


_NOTHING_ELSE = re.compile(
    r"(?:,\s*)?\b(?:(?:and|but)\s+)?(?:nothing\s+(?:else|more)|no\s+other\s+(?:columns|fields))\b"
)
_COUNTED_COLUMNS = re.compile(r"\b([a-z]+|\d+)\s+(?:columns|fields)\b")


def take_framing(
    text: str,
    cov: Coverage,
    cat: Catalog,
    root: DatasetSchema,
    joined: set[str],
    columns: int | None,
    plain: bool,
) -> None:
    """Places the harmless framing of ``text``: ``columns`` is how many columns the query keeps
    (None: all), ``joined`` the tables it reads, ``plain`` whether it reads every row as is."""
    for m in [*_LIKE.finditer(text), *_COURTESY.finditer(text)]:
        cov.take_match(m)
    if plain:
        for m in _AS_THEY_ARE.finditer(text):
            cov.take_match(m)
    lead = _LEAD.match(text)
    if lead is not None and lead[1] in LEAD_VERBS and cat.table_named(lead[1]) is None:
        cov.take_match(lead, 1)
    moved = "|".join(sorted(MOVED))
    for m in re.finditer(
        rf"\b(?P<verb>{moved})\s+(?:over\s+|out\s+|across\s+)?(?:in)?to\s+(?:the\s+|our\s+|my\s+)?"
        r"(?P<to>[a-z0-9_]+)",
        text,
    ):
        if m["to"] in SYSTEM_WORDS:
            cov.take_match(m, "verb")
    if columns is not None:  # "…, nothing else", "two columns": say the projection again
        for m in _NOTHING_ELSE.finditer(text):
            cov.take_match(m)
        for m in _COUNTED_COLUMNS.finditer(text):
            said = int(m[1]) if m[1].isdigit() else NUMBER_WORDS.get(m[1])
            if said == columns:
                cov.take_match(m)
    for m in re.finditer(r"\b([a-z]{3,}ing)\s+([a-z_]+)(?:'s)?\b", text):
        # "the buying customer's country": the one reference to that table, so no choice
        d = cat.table_named(m[2]) if m[2] in _forms(cat) else None
        if d is None or d is root or d.dataset not in joined:
            continue
        if len(cat.references(root, d)) == 1 and m[1] not in schema_words(cat.datasets):
            cov.take_match(m, 1)


def _forms(cat: Catalog) -> set[str]:
    return {f for d in cat.datasets for f in cat.forms(d)}
