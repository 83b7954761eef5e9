"""Versioned scorecards: points per feature bin, a base, and bands; the built-in ``v1``; the SQL
that scores a batch with a version; and the blend of a model into a new version.

A scorecard is rows of the ``scorecards`` table (version, feature, lower_bound, upper_bound,
points): a bin holds values ``lower_bound <= x < upper_bound`` (NULL: unbounded). The base
points are the row of feature ``_base``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from domain.credit_scoring.features import FEATURES

BASE = "_base"
BASE_POINTS = 600.0
PDO = 20.0
"""Points to double the odds: how model log-odds turn into points."""

BANDS = ((700.0, "A"), (650.0, "B"), (600.0, "C"), (550.0, "D"))
"""A score at or above the figure gets the band; below the last: E."""

COLUMNS = [
    ("version", "VARCHAR"),
    ("feature", "VARCHAR"),
    ("lower_bound", "DOUBLE PRECISION"),
    ("upper_bound", "DOUBLE PRECISION"),
    ("points", "DOUBLE PRECISION"),
    ("source", "VARCHAR"),
]


@dataclass(frozen=True)
class Bin:
    feature: str
    lower: float | None
    upper: float | None
    points: float

    def row(self, version: str, source: str) -> tuple:
        return (version, self.feature, self.lower, self.upper, self.points, source)


def _bins(feature: str, edges: Sequence[float], points: Sequence[float]) -> list[Bin]:
    bounds: list[float | None] = [None, *edges, None]
    return [Bin(feature, bounds[i], bounds[i + 1], p) for i, p in enumerate(points)]


V1: list[Bin] = [
    Bin(BASE, None, None, BASE_POINTS),
    *_bins("age", [25, 35, 50], [-10, 0, 8, 12]),
    *_bins("annual_income", [30_000, 45_000, 70_000], [-15, 0, 10, 20]),
    *_bins("employment_years", [1, 3, 8], [-12, -4, 5, 10]),
    *_bins("home_owner", [0.5], [0, 8]),
    *_bins("num_accounts", [2, 4], [0, 4, -4]),
    *_bins("utilisation", [0.3, 0.5, 0.75], [20, 8, -10, -30]),
    *_bins("oldest_account_days", [365, 1825], [-8, 0, 8]),
    *_bins("inflow_volatility", [0.1, 0.2, 0.3], [10, 4, -4, -12]),
    *_bins("spend_to_income", [0.7, 0.85, 1.0], [12, 4, -6, -16]),
    *_bins("on_time_ratio", [0.7, 0.85, 0.95], [-30, -12, 0, 15]),
    *_bins("delinquencies", [1, 2], [10, -15, -35]),
    *_bins("payment_shortfall", [0.02, 0.1], [8, -8, -20]),
]
"""The built-in scorecard ``v1``: written to the scorecards table the first time it is used."""


def band_sql(score: str) -> str:
    cases = " ".join(f"WHEN {score} >= {floor:g} THEN '{band}'" for floor, band in BANDS)
    return f"CASE {cases} ELSE 'E' END"


def score_sql(bins: Sequence[Bin], features_table: str, batch_literal: str, version: str) -> str:
    """A SELECT scoring the batch's parties; every value in it is a number the scorecard holds
    or a literal given by the caller (quoted there)."""
    base = sum(float(b.points) for b in bins if b.feature == BASE)
    terms = []
    # Only the package's own feature names reach the SQL, and every figure as a float.
    for feature in sorted({b.feature for b in bins if b.feature in FEATURES}):
        column = f'"{feature}"'
        whens = []
        for b in (b for b in bins if b.feature == feature):
            tests = []
            if b.lower is not None:
                tests.append(f"{column} >= {float(b.lower)!r}")
            if b.upper is not None:
                tests.append(f"{column} < {float(b.upper)!r}")
            whens.append(f"WHEN {' AND '.join(tests) or 'TRUE'} THEN {float(b.points)!r}")
        terms.append(f"CASE {' '.join(whens)} ELSE 0 END")
    total = " + ".join([repr(float(base)), *terms])
    version_literal = "'" + version.replace("'", "''") + "'"
    return (
        "SELECT party_id, batch_id, "
        f"{version_literal} AS scorecard_version, score, {band_sql('score')} AS band "
        f"FROM (SELECT party_id, batch_id, CAST({total} AS DOUBLE PRECISION) AS score "
        f"FROM {features_table} WHERE batch_id = {batch_literal}) AS scored"
    )


@dataclass(frozen=True)
class Coefficient:
    """A model's coefficient on a standardised feature, with the feature's mean and scale."""

    feature: str
    coefficient: float
    mean: float
    scale: float


def blend(bins: Sequence[Bin], model: Sequence[Coefficient], factor: float) -> list[Bin]:
    """A new scorecard: each bin's points moved ``factor`` of the way towards the points the
    model gives the bin's typical value (higher default odds, fewer points)."""
    by_feature = {c.feature: c for c in model}
    blended = []
    for b in bins:
        c = by_feature.get(b.feature)
        if c is None:
            blended.append(b)
            continue
        x = _typical(b, c)
        model_points = -(PDO / math.log(2)) * c.coefficient * (x - c.mean) / (c.scale or 1.0)
        points = round((1 - factor) * b.points + factor * model_points, 2)
        blended.append(Bin(b.feature, b.lower, b.upper, points))
    return blended


def _typical(b: Bin, c: Coefficient) -> float:
    """A value that stands for the bin: its middle, or one scale beyond its one bound."""
    if b.lower is not None and b.upper is not None:
        return (b.lower + b.upper) / 2
    if b.lower is not None:
        return max(b.lower, c.mean) + (c.scale or 1.0) / 2
    if b.upper is not None:
        return min(b.upper, c.mean) - (c.scale or 1.0) / 2
    return c.mean
