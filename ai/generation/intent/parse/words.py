"""Words and patterns more than one family of passes reads: comparison operators, aggregates,
negations, units, measures."""

from __future__ import annotations

import re
from decimal import Decimal

from ai.generation.intent.lexicon import NUMBER_WORDS

OPS = {
    "greater than or equal to": ">=", "more than or equal to": ">=", "at least": ">=",
    "no less than": ">=", "not less than": ">=", "minimum of": ">=", "or more": ">=",
    "greater than": ">", "more than": ">", "larger than": ">", "bigger than": ">",
    "higher than": ">", "above": ">", "over": ">", "exceeding": ">", "exceeds": ">",
    "exceed": ">", "in excess of": ">",
    "less than or equal to": "<=", "at most": "<=", "no more than": "<=", "not more than": "<=",
    "up to": "<=", "maximum of": "<=",
    "less than": "<", "fewer than": "<", "lower than": "<", "smaller than": "<", "below": "<",
    "under": "<", "beneath": "<",
    ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "equal to": "=", "equals": "=",
    "of exactly": "=", "exactly": "=", "!=": "<>", "<>": "<>", "max": "<=", "maximum": "<=",
    "min": ">=", "upwards of": ">", "greater or equal to": ">=", "less or equal to": "<=",
    "not over": "<=", "not above": "<=", "not under": ">=", "not below": ">=",
    "does not exceed": "<=", "doesn't exceed": "<=", "do not exceed": "<=", "don't exceed": "<=",
    "not exceeding": "<=", "at or below": "<=", "at or under": "<=", "at or above": ">=",
    "≤": "<=", "≥": ">=", "north of": ">", "south of": "<", "under or equal to": "<=",
    "below or equal to": "<=", "lower or equal to": "<=", "smaller or equal to": "<=",
    "above or equal to": ">=", "over or equal to": ">=", "higher or equal to": ">=",
    "bigger or equal to": ">=", "larger or equal to": ">=",
}  # fmt: skip

OP_RE = "|".join(re.escape(k) for k in sorted(OPS, key=len, reverse=True))

AGGS = (
    (r"total number of|number of|count of|how many|counts?|counted", "count"),
    (r"sum of|total|sum", "sum"),
    (r"average|avg|mean", "avg"),
    (
        r"maximum|max|highest|largest|biggest|heaviest|longest|latest|most\s+recent"
        r"|most\s+expensive|priciest",
        "max",
    ),
    (r"minimum|min|lowest|smallest|lightest|shortest|earliest|first|cheapest", "min"),
)

AGG_WORDS = "|".join(p for p, _ in AGGS)

NEGATE = (
    r"ignoring|excluding|except(?:\s+for)?|skipping|dropping|leaving\s+out|omitting|not\s+counting"
    r"|filtering\s+out|removing|but\s+not|without\s+counting"
    r"|(?:but\s+|and\s+)?(?:skip|drop|exclude|ignore|omit|remove|leave\s+out|filter\s+out)"
)

SET_WORDS = (
    r"assigned|set|given|specified|provided|recorded|attached|linked|entered|filled(?:\s+in)?"
)

_CALENDAR = r"(?:calendar\s+)?"  # "per calendar year": the year
GRAIN = {
    "day": r"daily|per day|by day|each day|a day|per date|by date",
    "week": rf"weekly|per {_CALENDAR}week|by {_CALENDAR}week|each {_CALENDAR}week",
    "month": rf"monthly|per {_CALENDAR}month|by {_CALENDAR}month|each {_CALENDAR}month|a month",
    "quarter": rf"quarterly|per {_CALENDAR}quarter|by {_CALENDAR}quarter|each {_CALENDAR}quarter",
    "year": rf"yearly|annually|annual|per {_CALENDAR}year|by {_CALENDAR}year|each {_CALENDAR}year",
}

# Rows said to come to be in each period: "customers who signed up each year", "orders placed per
# month", "customer signups per quarter" (the verb or noun: CREATION_VERBS, CREATION_NOUNS)
CAME_TO_BE = re.compile(
    r"\s+(?P<said>(?:(?:who|that|which)\s+)?(?:(?:were|was|got|have|has|had)\s+)?"
    r"(?P<verb>[a-z]+|sign-ups)(?:\s+up)?)\s+(?:per|each|every|in\s+each|in\s+every)\s+"
    r"(?:day|week|month|quarter|year)\b"
)
CREATION_NOUNS = {"signups": "signed", "sign-ups": "signed", "registrations": "registered"}

CURRENCY = r"eur|euros?|usd|dollars?|bucks|gbp|€|\$"

UNITS = rf"(?:kg|kgs|kilos?|kilograms?|g|grams?|lbs?|pounds?|cm|mm|m|km|meters?|metres?|%|percent|{CURRENCY}|hours?|days?|minutes?|units?|items?|pieces?|pcs)(?![\w])"  # noqa: E501

UNIT_COLUMNS = {
    r"kg|kgs|kilos?|kilograms?": ("kg", "weight"),
    r"g|grams?": ("g", "grams", "weight"),
    r"lbs?|pounds?": ("lb", "lbs", "weight"),
    r"cm": ("cm",),
    r"mm": ("mm",),
    r"m|meters?|metres?": ("m", "meters", "metres"),
    r"km": ("km", "distance"),
    r"%|percent": ("pct", "percent", "rate"),
    r"hours?": ("hours", "h"),
    r"days?": ("days", "d"),
    r"minutes?": ("minutes", "min"),
    r"units?|items?|pieces?|pcs": ("quantity", "qty", "units"),
}

DATE_NOUNS = r"timestamps?|dates?|times?"
# What was done to rows, said after them: "parcels scanned", "customers who bought"
DONE = r"[a-z]{3,}ed|bought|sold|made|sent|seen|done"

WORD = re.compile(r"\b[a-z_]+\b")

MEASURES = {
    r"heavier|lighter|heavy|light|weighing|weighs?": ("weight",),
    r"longer|shorter|long|short": ("length",),
    r"wider|narrower|wide|narrow": ("width",),
    r"taller|higher|tall|high": ("height",),
    r"older|younger|old|young": ("age",),
    r"costlier|cheaper|pricier|more\s+expensive|less\s+expensive|expensive|cheap": (
        "price",
        "cost",
    ),
    r"bigger|larger|smaller|big|large|small": ("size", "capacity", "volume"),
}

SUPERLATIVES = (
    r"heaviest|lightest|largest|biggest|smallest|longest|shortest|most\s+expensive|cheapest"
)

MEASURES[r"heaviest|lightest"] = ("weight",)

MEASURES[r"longest|shortest"] = ("length",)

MEASURES[r"most\s+expensive|priciest|cheapest"] = ("price", "cost")

MEASURES[r"largest|biggest|smallest"] = ("size", "capacity", "volume", "weight")

# Words after the rows a clause describes that drop them: "sales without a customer excluded"
DROPPED = re.compile(
    r"\s+(?:are\s+|is\s+|being\s+|get\s+)?(?:excluded|removed|dropped|filtered\s+out|left\s+out"
    r"|omitted|skipped|ignored)\b"
)

MORE = r"heavier|longer|wider|taller|higher|older|costlier|pricier|more\s+expensive|bigger|larger"

COMPARATIVES = MORE + r"|lighter|shorter|narrower|younger|cheaper|less\s+expensive|smaller"

# The planner's own words of comparison and measure, written right when misspelled ("abvoe")
VOCABULARY = {
    w
    for phrase in [*OPS, *COMPARATIVES.split("|"), *"|".join(UNIT_COLUMNS).split("|")]
    for w in re.findall(r"[a-z]{5,}", phrase.replace("?", ""))
} - {"older", "least", "doesn", "excess"} | {"between", "without", "weighing", "costing"}
VOCABULARY.add("excluding")  # no typo of "exceeding"
# ("older" and "least" are one letter from "order" and "lease")


def digits(text: str) -> str:
    """A number as written in SQL: "twenty" is 20, "$1,000" is 1000, "1.5k" is 1500."""
    if text in NUMBER_WORDS:
        return str(NUMBER_WORDS[text])
    value = text.replace("$", "").replace(",", "")
    if value.endswith("k"):  # "1.5k": thousands
        thousands = Decimal(value[:-1]) * 1000
        return str(thousands.quantize(Decimal(1)) if thousands % 1 == 0 else thousands)
    return value
