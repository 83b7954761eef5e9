"""Computed columns: formulas over columns ("quantity * unit_price"), durations between two
dates, rates ("cost per kg")."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref, column_forms
from ai.generation.intent.lexicon import DURATION_SPANS
from ai.generation.intent.parse.emails import EmailParts
from ai.generation.intent.parse.words import AGG_WORDS, OP_RE, UNIT_COLUMNS, UNITS, digits
from ai.generation.intent.query import Out
from ai.generation.intent.units import UNIT_WORDS, column_unit, converted, renamed, unit_named
from ai.generation.words import is_boolean, is_numeric, is_temporal, singular
from workflows.generation_payloads import Column

_OP_NAMES = {"*": "times", "/": "per", "+": "plus", "-": "minus"}

_SECONDS = {"hours": 3600, "days": 86400, "minutes": 60, "seconds": 1}

# Plurals a column's name keeps: units counted ("transit days", "amount cents")
_PLAIN_PLURALS = (
    r"[a-z]*(?:hours|days|minutes|seconds|weeks|months|years|cents|units|items|pcs|kgs)"
)


def _duration(late: str, early: str, unit: str) -> str:
    """The time from ``early`` to ``late`` in ``unit`` (hours, days, minutes, seconds)."""
    return f"EXTRACT(EPOCH FROM {late} - {early}) / {_SECONDS[unit]}"


# A duration's name in the words before its definition: "hours in transit", "the number of hours
# spent in transit", "transit time (in hours)", "time in transit": the span's word
_DURATION_NAME = re.compile(
    r"^(?:(?:the\s+)?(?:total\s+)?(?:number|count|amount)\s+of\s+)?"
    r"(?:(?:time|duration|hours?|days?|minutes?|seconds?)\s+(?:spent\s+)?in\s+(?P<a>[a-z]+)"
    r"|(?P<b>[a-z]+)\s+(?:time|duration|hours?|days?|minutes?|seconds?)"
    r"|(?P<c>[a-z]+)(?=\s+in\s+(?:hours|days|minutes|seconds)$))"
    r"(?:\s+in\s+(?:hours|days|minutes|seconds))?$"
)


_NOT_SPANS = {"the", "a", "an", "their", "its", "and", "with", "in", "of", "time", "duration"}

# Before a span's two moments said again: "(", ", from", "i.e. the difference between", "using"
_RESTATED_LEAD = re.compile(
    r"\s*(?:[,(:;=]\s*|-\s+)?(?:i\.e\.\s*|(?:computed|calculated|derived|measured)\s+)?"
    r"(?:(?:as\s+)?(?:the\s+)?(?:difference|time|gap|hours|days)\s+(?:between|from)\s+|from\s+"
    r"|between\s+|using\s+|based\s+on\s+|of\s+)?"
)
# … and between them: "→", "->", "to", "and", "until", "-"
_RESTATED_SEPARATOR = re.compile(r"\s*(?:→|->|=>|\u2013|-|to|and|until|till|minus)\s*")

# A column cast to another type, by the words for the type: the SQL type and the columns it
# is safe for ("occurred_at as a date", "price cast to an integer", "id as text")
_CAST_TYPES = {
    "date": "DATE", "day": "DATE", "calendar date": "DATE",
    "integer": "INTEGER", "int": "INTEGER", "whole number": "INTEGER",
    "numeric": "NUMERIC", "decimal": "NUMERIC",
    "text": "TEXT", "string": "TEXT", "varchar": "TEXT",
}  # fmt: skip
_TYPE = (
    r"(?:an?\s+)?(?P<{}>calendar\s+date|date|day|integer|int|whole\s+number|numeric|decimal"
    r"|text|string|varchar)"
)
_CAST = re.compile(
    r"(?P<a>[a-z_]+(?:\s+[a-z_]+)??)(?:\s*::\s*"
    + _TYPE.format("t1")
    + r"|\s+(?:(?:cast(?:ed)?|converted|turned|changed)\s+(?:to|as|into)|as)\s+"
    + _TYPE.format("t2")
    + r"|\s+truncated\s+to\s+(?:the\s+|a\s+)?(?P<t3>day|date)"
    + r"|\s+without\s+(?:the\s+|its\s+|their\s+|any\s+)?(?P<t4>time)(?:\s+(?:part|portion|component"
    + r"|of\s+(?:the\s+)?day))?)(?:\s+(?:type|value))?(?![\w])"
    + r"|\b(?:cast|convert|casting|converting)\s*(?P<open>\()?\s*(?:the\s+)?(?P<b>[a-z_]+)"
    + r"\s+(?:to|as|into)\s+"
    + _TYPE.format("t5")
    + r"(?:\s+(?:type|value))?(?(open)\s*\))(?![\w])"
    + r"|\b(?P<t6>date)\s*\(\s*(?P<c>[a-z_]+)\s*\)"
)

# Words that count what follows, never a column's name: "the number of hours in transit"
_QUANTITY = re.compile(r"(?:total\s+)?(?:number|count|amount|quantity)")


def _duration_named(words: str, unit: str) -> tuple[str, str] | None:
    """``(<span>_<unit>, the words)`` for the longest ending of ``words`` that names a duration
    by its span ("the hours in transit": transit_hours), else None."""
    said = words.split()
    for i in range(len(said)):
        m = _DURATION_NAME.match(" ".join(said[i:]))
        span = m and (m["a"] or m["b"] or m["c"])
        if m and span not in _NOT_SPANS:
            return f"{span}_{unit}", m[0]
    return None


def _span_between(first: Ref, last: Ref) -> str | None:
    """The span whose two moments the columns are (shipped_at, delivered_at: "transit")."""
    for span, (starts, ends) in DURATION_SPANS.items():
        if first.column.name.startswith(starts) and last.column.name.startswith(ends):
            return span
    return None


# A factor's rate said again in brackets: "total * 1.19 (19% vat)", "net / 1.2 (20 percent tax)"
_RATE_AGAIN = re.compile(
    r"\s*\(\s*(?:i\.e\.,?\s*|incl\.?\s+|including\s+|\+\s*)?(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent)"
    r"(?:\s+(?:vat|tax|sales\s+tax|surcharge|markup|mark-up|mark\s+up|uplift|fee))?\s*\)"
)


def _rate_restated(after: str, op: str, num: str, pct: str | None) -> int:
    """The length of the brackets at the start of ``after`` that say again, as a percentage,
    the factor ``num`` a column is multiplied or divided by ("1.19 (19% vat)"), else 0."""
    m = _RATE_AGAIN.match(after)
    if m is None or pct or op not in "*/":
        return 0
    return m.end() if abs(1 + float(m["num"]) / 100 - float(num)) < 1e-9 else 0


def _whole(c: Column) -> bool:
    """A column of whole numbers: divided by a whole number, SQL would drop the fraction."""
    return bool(re.search(r"int|serial", c.type, re.I)) and not is_boolean(c)


class ComputedColumns(EmailParts):
    """Places computed columns."""

    def _computed(self) -> None:
        self._computed_cols: list[Out] = []
        self._computed_spans: list[tuple[int, int, Out]] = []
        for m in re.finditer(  # "the hours between shipped_at and delivered_at"
            r"\b(?:(?P<what>[a-z_]+\s+(?:time|duration))\s+in\s+)?(?:number\s+of\s+)?"
            r"(?P<unit>hours|days|minutes|seconds)\s+(?P<lead>between|from)\s+"
            r"(?:the\s+)?(?P<a>[a-z_]+(?:\s+[a-z_]+)?)\s+(?P<join>and|to|until|till)\s+(?:the\s+)?"
            r"(?P<b>[a-z_]+(?:\s+[a-z_]+)?)",
            self.text,
        ):
            if (m["lead"] == "between") != (m["join"] == "and"):  # "between a and b", "from a to b"
                continue
            first = self._moment_at(m.start("a"))
            last = self._moment_at(m.start("b"))
            if first is None or last is None or first[1] == last[1] or not self._free(m):
                continue
            sql = _duration(self._use(last[1]), self._use(first[1]), m["unit"])
            what = m["what"] or _span_between(first[1], last[1]) or ""
            what = re.sub(r"\s+(?:time|duration)$", "", what)  # "transit time in hours"
            label = "_".join([*what.split(), m["unit"]])
            self._add_computed(m.start(), last[0], sql, label, "", unit=m["unit"])
        for m in re.finditer(
            r"(?P<a>[a-z_]+(?:\s+[a-z_]+)?)(?:\s+(?P<op>times|multiplied\s+(?:by|with)|x|plus|minus|including"
            r"|divided\s+by|-"
            r"|(?:increased|raised|marked\s+up|grossed\s+up|decreased|reduced|discounted|lowered)"
            r"\s+(?:by|with)(?=\s+[\d.]+\s*(?:%|percent)))\s+"
            r"|\s*(?P<sym>\*|/|\+)\s*)"
            r"(?:(?P<num>\d+(?:\.\d+)?)(?P<pct>\s*(?:%|percent)(?P<tax>\s+(?:vat|tax|sales\s+tax)"
            r"(?:\s+(?:added|on\s+top))?)?)?"
            r"(?![\w.])|(?P<b>[a-z_]+(?:\s+[a-z_]+)?))",
            self.text,
        ):
            word = (m["op"] or m["sym"]).split()[0]
            if word == "including" and not m["pct"]:  # "total including shipping": no sum said
                continue
            op = {"times": "*", "x": "*", "multiplied": "*", "plus": "+", "minus": "-"}.get(word)
            op = op or {"including": "+"}.get(word)
            op = op or ("+" if word in ("increased", "raised", "marked", "grossed") else None)
            op = op or ("-" if word in ("decreased", "reduced", "discounted", "lowered") else None)
            op = op or {"divided": "/"}.get(word, word)
            a = self._column_before(m.end("a"), "numeric", 2)
            b = self._column_after(m.start("b"), "numeric", 2) if m["b"] else None
            if op == "-" and m["b"] and (a is None or b is None):
                # "delivered_at minus shipped_at": a duration, in the unit the intent says
                late = self._column_before(m.end("a"), "temporal", 2)
                early = self._column_after(m.start("b"), "temporal", 2)
                unit = self._duration_unit()
                if late is not None and early is not None and unit is not None:
                    sql = _duration(self._use(late[1]), self._use(early[1]), unit[0])
                    span = _span_between(early[1], late[1])
                    label = f"{span}_{unit[0]}" if span else unit[0]
                    self._add_computed(late[0], early[0], sql, label, "", unit=unit[0])
                    if self.cov.free(unit[1], unit[2]):  # "in hours", after the name's words
                        self.cov.take(unit[1], unit[2])
                continue
            if a is None or (b is None and m["num"] is None):
                continue
            if b is not None:
                end, other, b_name = b[0], self._use(b[1]), b[1].column.name
            else:
                end, other, b_name = m.end(), digits(m["num"]), m["num"].replace(".", "_")
                end += _rate_restated(self.text[end:], op, m["num"], m["pct"])
                if m["pct"]:
                    if op not in "+-" or (op == "-" and m["tax"]):
                        continue  # "total minus 19% VAT": the tax taken out (_untaxed)
                    # "the total plus 19% VAT": total * 1.19
                    factor = 1 + float(m["num"]) / 100 * (1 if op == "+" else -1)
                    op, other, b_name = "*", f"{factor:g}", f"{m['num']}_percent"
            whole = _whole(a[1].column) and (
                _whole(b[1].column) if b is not None else "." not in other
            )
            left = f"{self._use(a[1])} * 1.0" if op == "/" and whole else self._use(a[1])
            sql = f"{left} {op} {other}"  # "length_cm / 100": a fraction, not a whole division
            if self._restated(a[0], end, sql):
                continue
            label = f"{a[1].column.name}_{_OP_NAMES[op]}_{b_name}"
            said = f"{a[1].column.name} {op} {b_name}"
            # "total incl. 19% VAT" may describe the total itself: a new column only if named
            named_only = word == "including"
            self._add_computed(a[0], end, sql, label, said, named_only=named_only)
        self._taxed()
        self._untaxed()
        self._shares()
        self._discounts()
        self._conversions()
        self._date_parts()
        self._casts()
        self._spans()
        self._rates()
        email = self._email_column()
        if email is not None:
            self._email_conditions(email)
            for start, end, sql, label in self._email_domains(email):
                self._add_computed(start, end, sql, label, "")

    def _spans(self) -> None:
        """ "the time in transit in hours", "transit time in days": the time between the two
        moments the span's name says (lexicon.DURATION_SPANS), in the unit the intent says."""
        spans = "|".join(DURATION_SPANS)
        for m in re.finditer(
            rf"\b(?:(?:time|duration)\s+(?:spent\s+)?in\s+(?P<a>{spans})|(?P<b>{spans})\s+"
            rf"(?:time|duration|(?P<after>hours|days|minutes))"
            rf"|(?P<counted>hours|days|minutes)\s+(?:spent\s+)?in\s+(?P<c>{spans}))"
            r"(?:\s+in\s+(?P<unit>hours|days|minutes|seconds))?\b",
            self.text,
        ):
            if not self._free(m):
                continue
            starts, ends = DURATION_SPANS[m["a"] or m["b"] or m["c"]]
            first = next((r for r in map(self._date_verb, starts) if r is not None), None)
            last = next((r for r in map(self._date_verb, ends) if r is not None), None)
            counted = m["unit"] or m["counted"] or m["after"]
            said = self._duration_unit() if not counted else None
            unit = counted or (said[0] if said else None)
            if first is None or last is None or first == last or unit is None:
                continue
            sql = _duration(self._use(last), self._use(first), unit)
            label = f"{m['a'] or m['b'] or m['c']}_{unit}"
            end = self._moments_restated(m.end(), {first, last}) or m.end()
            self._add_computed(m.start(), end, sql, label, "", unit=unit)
            if said is not None and self.cov.free(said[1], said[2]):
                self.cov.take(said[1], said[2])

    def _moments_restated(self, end: int, moments: set[Ref]) -> int | None:
        """Where words after a span end that name its two moments again ("transit time
        (shipped_at → delivered_at)", "…, from shipped_at to delivered_at"), or None: they
        restate the span, they are no columns asked for."""
        lead = _RESTATED_LEAD.match(self.text, end)
        first = self._column_after(lead.end(), "temporal", 2) if lead else None
        between = _RESTATED_SEPARATOR.match(self.text, first[0]) if first else None
        second = self._column_after(between.end(), "temporal", 2) if first and between else None
        if first is None or second is None or {first[1], second[1]} != moments:
            return None
        closing = re.match(r"\s*\)", self.text[second[0] :])
        return second[0] + (closing.end() if closing else 0)

    def _taxed(self) -> None:
        """ "a price with 20% VAT": the column with the tax added, a new column only when so
        named or said to be added ("add …", "… column"): it may describe the column itself."""
        self._tax(
            r"\bwith\s+(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent)\s+(?P<tax>vat|tax|sales\s+tax)"
            r"(?:\s+(?:added|on\s+top))?\b",
            "*",
            "with",
            "plus",
        )

    def _untaxed(self) -> None:
        """ "the amount without the 19% VAT", "total excl. 19% tax", "price net of 20% VAT": the
        column with the tax taken out (divided by 1.19, not less 19%), a new column only when so
        named or said to be added: it may describe the column itself."""
        self._tax(
            r"\b(?:excluding|excl\.?|ex\.?|without|before|less|minus|net\s+of|after\s+(?:removing"
            r"|deducting|taking\s+out))\s+(?:the\s+|any\s+)?(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent)\s+"
            r"(?P<tax>vat|tax|sales\s+tax)\b",
            "/",
            "without",
            "without",
        )

    def _tax(self, pattern: str, operator: str, label_word: str, said_word: str) -> None:
        """Each match of ``pattern`` (groups ``num`` and ``tax``) after a numeric column: the
        column times (``*``) or divided by (``/``) one plus the rate."""
        for m in re.finditer(pattern, self.text):
            a = self._column_before(m.start(), "numeric", 2)
            if a is None or not self.cov.free(a[0], m.end()):
                continue
            sql = f"{self._use(a[1])} {operator} {1 + float(m['num']) / 100:g}"
            if self._restated(a[0], m.end(), sql):
                continue
            name, tax = a[1].column.name, m["tax"]
            label = f"{name}_{label_word}_{tax.split()[-1]}"
            said = f"{name} {said_word} {m['num']}% {tax}"
            self._add_computed(a[0], m.end(), sql, label, said, named_only=True)

    def _shares(self) -> None:
        """ "a vat column = 19% of the total": that share of a column, a new column only when
        so named or said to be added; not a condition ("a fee above 10% of the total")."""
        for m in re.finditer(
            r"\b(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent)\s+of\s+(?:the\s+|its\s+|their\s+)?"
            r"(?P<a>[a-z_]+(?:\s+[a-z_]+)?)",
            self.text,
        ):
            before = self.text[: m.start()]
            equals = re.search(r"[^<>!]=\s*$", before)
            if re.search(rf"(?:{OP_RE})\s*$", before) and not equals:
                continue  # "a fee above 10% of the total"
            if equals and self._column_before(equals.start() + 1, "numeric", 2) is not None:
                continue  # "where fee = 10% of the total": a condition, no new column
            a = self._column_after(m.start("a"), "numeric", 2)
            if a is None or not self.cov.free(m.start(), a[0]):
                continue
            sql = f"{self._use(a[1])} * {float(m['num']) / 100:g}"
            if self._restated(m.start(), a[0], sql):
                continue
            label = f"{m['num'].replace('.', '_')}_percent_of_{a[1].column.name}"
            said = f"{m['num']}% of {a[1].column.name}"
            self._add_computed(m.start(), a[0], sql, label, said, named_only=True)

    def _discounts(self) -> None:
        """ "a 15% discounted price", "the price with a 15% discount", "price 15% off": the
        column less that share, as discounted_<column>."""
        pct = r"\d+(?:\.\d+)?)\s*(?:%|percent)"
        col = r"[a-z_]+(?:\s+[a-z_]+)?)"
        for m in re.finditer(
            rf"\b(?P<num>{pct}[\s-]+(?:discounted|reduced|off)\s+(?:the\s+)?(?P<a>{col}"
            rf"|\b(?P<b>{col}\s+(?:(?:with|after|less|minus)\s+(?:an?\s+|the\s+)?"
            rf"(?P<n>{pct}\s+(?:discount|off)|(?P<k>{pct}\s+off)(?![\w%])",
            self.text,
        ):
            num = m["num"] or m["n"] or m["k"]
            a = (
                self._column_after(m.start("a"), "numeric", 2)
                if m["a"]
                else self._column_before(m.end("b"), "numeric", 2)
            )
            if a is None:
                continue
            start, end = (m.start(), a[0]) if m["a"] else (a[0], m.end())
            if not self.cov.free(start, end):
                continue
            sql = f"{self._use(a[1])} * {1 - float(num) / 100:g}"
            if self._restated(start, end, sql):
                continue
            label = f"discounted_{a[1].column.name}"
            said = f"{a[1].column.name} less {num}%"
            self._add_computed(start, end, sql, label, said)

    def _conversions(self) -> None:
        """ "the weight in grams", "total in cents": a column of a known unit (weight_kg, an
        amount of money) converted to another one; not when a comparison follows ("weight in
        grams over 500")."""
        for m in re.finditer(
            r"\b(?P<a>[a-z_]+(?:\s+[a-z_]+)??)\s+(?:(?:converted|expressed)\s+)?(?:in|into|as|to)"
            rf"\s+(?P<unit>{UNIT_WORDS})(?![\w])",
            self.text,
        ):
            clause = re.split(r"[,;:()]", self.text[m.end() :], maxsplit=1)[0]
            if re.search(rf"(?:{OP_RE})|[<>=\d]", clause):
                continue
            a = self._column_before(m.end("a"), "numeric", 2)
            target = unit_named(m["unit"])
            source = column_unit(a[1].column) if a is not None else None
            if a is None or target is None or source is None or not self.cov.free(a[0], m.end()):
                continue
            sql = converted(self._use(a[1]), source, target)
            if sql is not None:
                label = renamed(a[1].column.name, target)
                self._add_computed(a[0], m.end(), sql, label, f"{a[1].column.name} in {target}")

    def _date_parts(self) -> None:
        """ "the year of placed_at", "the date (part) of occurred_at", "the hour of created_at":
        that part of a date column as a new column; not a grouping ("per year of placed_at") nor a
        condition ("where the year of placed_at is 2024")."""
        for m in re.finditer(
            r"\b(?:(?:just|only)\s+)?(?:the\s+)?(?P<part>year|date|hour|calendar\s+date)(?:\s+(?:part|portion|component))?"
            r"\s+(?:of|from|in)\s+",
            self.text,
        ):
            found = self._column_after(m.end(), "temporal", 2)
            if found is None or not self.cov.free(m.start(), found[0]):
                continue
            if re.search(
                r"\b(?:per|by|each|every|group(?:ed)?\s+by|grouped\s+per)\s+(?:the\s+)?$",
                self.text[: m.start()],
            ):
                continue  # "orders per year of placed_at": a grouping
            clause = re.split(r"[,;:()]", self.text[found[0] :], maxsplit=1)[0]
            if re.search(rf"(?:{OP_RE})|[<>=\d]|\b(?:is|was|in|between|before|after)\b", clause):
                continue  # "where the year of placed_at is 2024": a condition
            part = m["part"].split()[-1]
            column = self._use(found[1])
            sql = (
                f"CAST({column} AS DATE)"
                if part == "date"
                else f"EXTRACT({part.upper()} FROM {column})"
            )
            label = f"{re.sub(r'_(?:at|on|date|time)$', '', found[1].column.name)}_{part}"
            said = f"the {part} of {found[1].column.name}"
            self._add_computed(m.start(), found[0], sql, label, said)

    def _casts(self) -> None:
        """ "event_date = occurred_at as a date", "occurred_at cast to date as event_day",
        "cast(price as integer) as whole_price": a column cast to another type as a new column,
        only when the new column is named (or said as added); not for a type the column's values
        may not convert to (text as a date), nor a grouping or a condition."""
        for m in _CAST.finditer(self.text):
            said = next(m[g] for g in ("t1", "t2", "t3", "t4", "t5", "t6") if m[g])
            kind = "DATE" if said == "time" else _CAST_TYPES[" ".join(said.split())]
            if m["a"]:
                found = self._column_before(m.end("a"), "", 2)
                start = found[0] if found is not None else 0
            else:
                named = m["b"] or m["c"]
                at = m.start("b") if m["b"] else m.start("c")
                found = self._column_after(at, "", 1)
                found = (
                    found and (m.start(), found[1])
                    if found and found[0] == at + len(named)
                    else None
                )
                start = m.start()
            if found is None or not self.cov.free(start, m.end()):
                continue
            ref = found[1]
            fits = {
                "DATE": is_temporal(ref.column),
                "INTEGER": is_numeric(ref.column) and not is_boolean(ref.column),
                "NUMERIC": is_numeric(ref.column) and not is_boolean(ref.column),
                "TEXT": True,
            }[kind]
            if not fits or re.search(
                r"\b(?:per|by|each|every|group(?:ed)?\s+by|grouped\s+per)\s+(?:the\s+)?$",
                self.text[:start],
            ):
                continue  # "orders per placed_at as a date": a grouping
            clause = re.split(r"[,;:()]", self.text[m.end() :], maxsplit=1)[0]
            if re.search(
                rf"^\s*(?:(?:{OP_RE})|[<>=\d]|(?:is|was|in|between|before|after)\b)", clause
            ):
                continue  # "where occurred_at as a date is …": a condition
            name = ref.column.name
            base = re.sub(r"_(?:at|on|date|time)$", "", name) if kind == "DATE" else name
            label = f"{base}_{kind.lower()}"
            sql = f"CAST({self._use(ref)} AS {kind})"
            self._add_computed(
                start, m.end(), sql, label, f"{name} as {kind.lower()}", named_only=True
            )

    def _rates(self) -> None:
        """ "cost per kg": a column over the one column of its table measured in that unit
        (weight_kg); not when a comparison follows ("cost per kg over 5")."""
        units = "|".join(k for k in UNIT_COLUMNS if "%" not in k)
        for m in re.finditer(
            rf"\b(?P<a>[a-z_]+(?:\s+[a-z_]+)?)\s+per\s+(?P<unit>{units})\b",
            self.text,
        ):
            clause = re.split(r"[,;:()]", self.text[m.end() :], maxsplit=1)[0]
            if re.search(
                rf"(?:{OP_RE})|[<>=\d]|\b(?:of|at|between|sort|sorted|order|rank)", clause
            ):
                continue  # "cost per kg is above 3": a condition on the rate, not placed here
            a = self._column_before(m.end("a"), "numeric", 2)
            per = self._unit_column(m["unit"])
            if a is None or per is None or a[1] == per or not self.cov.free(a[0], m.end()):
                continue
            left = (
                f"{self._use(a[1])} * 1.0"
                if _whole(a[1].column) and _whole(per.column)
                else self._use(a[1])
            )
            sql = f"{left} / {self._use(per)}"
            suffix = re.search(r"_([a-z]+)$", per.column.name)  # "per kilo": per kg
            label = f"{a[1].column.name}_per_{suffix[1] if suffix else m['unit']}"
            self._add_computed(a[0], m.end(), sql, label, f"{a[1].column.name} / {per.column.name}")

    def _moment_at(self, start: int) -> tuple[int, Ref] | None:
        """The date column the words at ``start`` name: by its name ("shipped_at"), or by the
        verb or noun of the event ("shipped", "delivery") of the tables the intent reads."""
        found = self._column_after(start, "temporal", 2)
        if found is not None:
            return found
        word = re.match(r"[a-z_]+", self.text[start:])
        ref = self._date_verb(word[0]) if word else None
        return (start + len(word[0]), ref) if word and ref is not None else None

    def _restated(self, start: int, end: int, sql: str) -> bool:
        """The words [start, end) say again a computed column already placed ("gross_total
        (total incl. 19% VAT, i.e. total * 1.19)"): placed with it, and True."""
        if not any(out.sql == sql for out in self._computed_cols):
            return False
        lead = re.search(r"(?:,\s*)?\b(?:i\.e\.?|ie|that\s+is|meaning|=)\s*$", self.text[:start])
        self.cov.take(lead.start() if lead else start, end)
        closing = re.match(r"\s*\)", self.text[end:])
        if closing:
            self.cov.take(end, end + closing.end())
        return True

    def _duration_unit(self) -> tuple[str, int, int] | None:
        """The one unit a duration is asked in ("the transit time in hours"), and its words."""
        found = [
            m
            for m in re.finditer(r"\b(?:in\s+)?(hours?|days?|minutes?|seconds?)\b", self.text)
            if self._free(m)
        ]
        if len({m[1].rstrip("s") for m in found}) != 1:
            return None
        return found[0][1].rstrip("s") + "s", found[0].start(), found[0].end()

    def _add_computed(
        self,
        start: int,
        end: int,
        sql: str,
        label: str,
        said: str,
        named_only: bool = False,
        unit: str | None = None,
    ) -> None:
        """A computed column from the words [start, end), named by the words before it ("a
        line total, quantity times unit price") or after it ("… as weighted_cost"); with
        ``named_only``, nothing unless so named. A duration (``unit``) named by its span takes
        the span's name and the unit ("hours in transit": transit_hours)."""
        name = None
        before = self.text[:start]
        named = re.search(
            r"(?:an?\s+|the\s+|its\s+|their\s+)?((?:[a-z_]+\s+){0,3}[a-z_]+)(?:\s+(?:column|field))?(?:\s*\((?:in\s+)?(?:hours|days|minutes|seconds)\))?\s*(?:\(\s*=|,|:|=|\(|\bequal\s+to\b|\bequals\b|\bof\b|\bas\b|\bbeing\b|\bcomputed as\b|\bcalculated as\b|\bdefined as\b|\bwhich is\b|,?\s*\bi\.e\.|\(\s*i\.e\.,?|,?\s*\bthat is\b)\s*(?:the\s+|its\s+|their\s+)?$",  # noqa: E501
            before,
        )
        after = re.match(
            r"\s*(?:\)\s*)?(?:as|called|named)\s+(?:the\s+)?([a-z_]+(?:\s+[a-z_]+)?)"
            r"|\s*\(\s*([a-z]+_[a-z_]+)\s*\)",  # "… with 19% VAT (gross_total)"
            self.text[end:],
        )
        in_brackets = after[2] if after and after[2] and self._new_name(after[2]) else None
        called = (
            after
            and after[1]
            and next((w for w in (after[1], after[1].split()[0]) if self._new_name(w)), None)
        )
        if after and in_brackets:
            name = in_brackets
            end += after.end()
        elif after and called:
            name = called
            end += after.start(1) + len(called)
        elif named and self.cov.free(named.start(1), named.end(1)):
            # the words just before the definition, after any word that is no name's
            cut = re.match(
                r"(?:.*\b(?:with|and|plus|including|add|adding|a|an|the|by|for|each|every|of"
                r"|whose|where|which|that|having|their|its|column|field|also|new|extra|showing"
                r"|show|displaying|containing|alongside"
                r"|compute|computed|calculate|calculated|derive|derived"
                rf"|in|from|per(?!\s+(?:{UNITS}|unit|item|piece)))\s+)?(.+)",
                re.sub(r"\s+in\s+(?:hours|days|minutes|seconds)$", "", named[1]),
            )
            words = re.sub(
                r"\s+(?:computed|calculated|defined|being|which|column|field)$",
                "",
                cut[1] if cut else named[1],
            )
            words = self._name_of_rows(words)
            span = _duration_named(named[1], unit) if unit is not None else None
            if span is not None:  # "hours in transit = delivered_at - shipped_at"
                name, words = span
            elif _QUANTITY.fullmatch(words):  # "the number of hours in transit": not a name
                start = named.start(1) + named[1].rfind(words)
            elif self._new_name(words):
                name = words
            if name is not None:
                start = named.start(1) + named[1].rfind(words)
                closing = re.match(r"\s*\)", self.text[end:])
                if closing:
                    end += closing.end()
        if name is None:  # "add line_total to order_items: …", "line totals for order items (…)"
            found = self._named_for_rows(start)
            if found is not None:
                name, start = found
                closing = re.match(r"\s*\)", self.text[end:])
                if closing and "(" in self.text[start:end]:
                    end += closing.end()
        verb = re.search(  # "compute line_total = …": the verb says a column is added
            r"\b(?:compute|computing|calculate|calculating|derive|deriving)\s+(?:an?\s+|the\s+)?"
            r"(?:new\s+)?(?:column\s+)?$",
            self.text[:start],
        )
        if name is not None and verb is not None:
            self.cov.take(verb.start(), start)
        if name is None and named_only and not self._added(start, end):
            return
        label = "_".join(name.split()) if name else label
        out = Out(sql, label)
        self._computed_cols.append(out)
        self._computed_spans.append((start, end, out))
        self.cov.take(start, end)
        self._take_lead(start)  # "order items plus line_total = …", "add cost_per_kg (…)"
        self.q.say("computed", self.text[start:end], f"Computes {label} = {said or sql}", sql)

    def _name_of_rows(self, words: str) -> str:
        """A new column's name said with the rows' name before it and in the plural, as one
        says of rows ("order item line totals"): line total."""
        forms = sorted(self.cat.forms(self.q.root), key=len)[::-1]
        for form in forms:
            if words.startswith(form + " "):
                words = words[len(form) + 1 :]
                break
        said = words.split()
        plural = re.search(r"[^siu]s$", said[-1]) is not None
        if len(said) > 1 and plural and not re.fullmatch(_PLAIN_PLURALS, said[-1]):
            said[-1] = singular(said[-1])  # "line totals": line_total
        return " ".join(said)

    def _named_for_rows(self, start: int) -> tuple[str, int] | None:
        """A new column's name said before the rows it is added to, then its definition: "add
        line_total to order_items: …", "line totals for order items (…)"; (name, where its words
        start) or None."""
        rows = "|".join(re.escape(f) for f in sorted(self.cat.forms(self.q.root), key=len)[::-1])
        m = re.search(
            r"(?:\b(?:add|adding|compute|computing|calculate|calculating)\s+)?(?:an?\s+|the\s+)?"
            r"(?:(?:new|extra)\s+)?(?:column\s+)?\b(?P<name>[a-z_]+(?:\s+(?!(?:column|field)\b)[a-z_]+)?)\s+"
            rf"(?:column\s+)?(?:to|for|of|on|in)\s+(?:the\s+|all\s+|each\s+|every\s+)?(?:{rows})"
            r"\s*(?:[:=(,-]|\bas\b)\s*$",
            self.text[:start],
        )
        if m is None or not self.cov.free(m.start("name"), m.end("name")):
            return None
        words = m["name"].split()
        words[-1] = singular(words[-1])  # "line totals for order items": line_total
        name = " ".join(words)
        if not self._new_name(name):
            return None
        return name, m.start()

    def _added(self, start: int, end: int) -> bool:
        """The words [start, end) are said as a column added to the rows ("add a price with 20%
        VAT", "plus the total incl. 19% VAT", "a cost with 20% VAT column")."""
        added = re.search(
            r"(?:\b(?:add|adding|plus|also|new|extra|additional)|\+)\s*(?:an?\s+|the\s+)?"
            r"(?:(?:new|extra|additional)\s+)?$",
            self.text[:start],
        )
        return added is not None or re.match(r"\s+(?:column|field)\b", self.text[end:]) is not None

    def _new_name(self, words: str) -> bool:
        """Words that may name a new column: not a table's or a column's name, nor a word that
        says what to do (an aggregate, a grouping)."""
        rate = re.sub(rf"\bper\s+(?:{UNITS}|unit|item|piece)", "", words)  # "cost per kg"
        if re.match(rf"(?:{AGG_WORDS})\b", words) or re.search(
            r"\b(?:per|by|each|every|group(?:ed)?|breakdown|split|across)\b", rate
        ):
            return False
        said = words.split()
        if self.cat.table_named(said[-1]) is not None or any(
            self.cat.values_named(w, self.cat.datasets) for w in said
        ):  # "delivered shipments: total cost" is a condition and a table, not a name
            return False
        return self.cat.table_named(words) is None and not self._is_column_name(words)

    def _is_column_name(self, words: str) -> bool:
        """True when the words are a column's name, or a table's and its column's ("carrier
        name"); a near miss ("loan time" for loaned_at) is no column's name."""
        for r in self.cat.columns_named(words, self.prefer):
            forms = column_forms(r.column)
            head, _, rest = words.partition(" ")
            if words in forms or (rest in forms and self.cat.table_named(head) is r.dataset):
                return True
        return False

    def _computed_at(self, pos: int) -> tuple[Out, bool] | None:
        """The computed column whose words start at ``pos`` (and whether it was named)."""
        for start, end, out in self._computed_spans:
            if start <= pos < end or start == pos:
                return out, not re.search(r"_(?:times|per|plus|minus)_", out.name)
        return None
