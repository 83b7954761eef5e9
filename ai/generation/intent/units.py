"""Units of measure: the unit a numeric column holds, read from its name (weight_kg, length_cm)
or its kind (an amount of money), and a column converted to another unit an intent names
("the weight in grams", "the total in cents")."""

from __future__ import annotations

import re
from fractions import Fraction

from workflows.generation_payloads import Column

# unit → (what it measures, its size in that measure's smallest unit here)
_SIZES: dict[str, tuple[str, Fraction]] = {
    "g": ("mass", Fraction(1)),
    "kg": ("mass", Fraction(1000)),
    "t": ("mass", Fraction(1_000_000)),
    "lb": ("mass", Fraction("453.59237")),
    "mm": ("length", Fraction(1)),
    "cm": ("length", Fraction(10)),
    "m": ("length", Fraction(1000)),
    "km": ("length", Fraction(1_000_000)),
    "cents": ("money", Fraction(1, 100)),
    "money": ("money", Fraction(1)),
    "thousands": ("money", Fraction(1000)),
    "millions": ("money", Fraction(1_000_000)),
}

# the words an intent names each unit by
_WORDS = {
    "g": ("g", "gr", "gram", "grams", "gramme", "grammes"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
    "t": ("t", "tonne", "tonnes", "ton", "tons", "metric tons"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "mm": ("mm", "millimetre", "millimetres", "millimeter", "millimeters"),
    "cm": ("cm", "centimetre", "centimetres", "centimeter", "centimeters"),
    "m": ("m", "metre", "metres", "meter", "meters"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers"),
    "cents": ("cent", "cents", "eurocents", "pennies", "pence"),
    "thousands": ("thousand", "thousands", "thousands of euros", "thousands of dollars"),
    "millions": ("million", "millions", "millions of euros", "millions of dollars"),
}
_NAMED = {word: unit for unit, words in _WORDS.items() for word in words}

UNIT_WORDS = "|".join(sorted(map(re.escape, _NAMED), key=len, reverse=True))
"""A regular expression of the words that name a unit a column may be converted to."""

_MONEY = re.compile(r"(?:^|_)(?:amount|total|price|cost|revenue|fee|spend|value|salary)(?:_|$)")


def unit_named(word: str) -> str | None:
    return _NAMED.get(re.sub(r"\s+", " ", word.lower()))


def column_unit(column: Column) -> str | None:
    """The unit ``column`` holds: the one its name ends with, or money for an amount."""
    name = column.name.lower()
    suffix = re.search(r"_(kgs?|g|t|lbs?|mm|cm|m|km|cents)$", name)
    if suffix:
        return unit_named(suffix[1])
    return "money" if _MONEY.search(name) else None


def converted(sql: str, source: str, target: str) -> str | None:
    """``sql`` (in ``source``) in ``target``, or None when they measure different things or
    are the same unit."""
    (kind, size), (other, other_size) = _SIZES[source], _SIZES[target]
    if kind != other or source == target:
        return None
    factor = size / other_size
    if factor.denominator == 1:
        return f"{sql} * {factor.numerator}"
    if factor.numerator == 1:  # "/ 100.0": a fraction, even of a whole column
        return f"{sql} / {factor.denominator}.0"
    return f"{sql} * {float(factor):.10g}"


def renamed(name: str, target: str) -> str:
    """The converted column's name: weight_kg in grams is weight_g, total in cents total_cents."""
    base = re.sub(r"_(?:kgs?|g|t|lbs?|mm|cm|m|km|cents)$", "", name.lower())
    return f"{base}_{target}"
