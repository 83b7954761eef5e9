"""The built-in Python steps an asset may name (the credit-scoring package's): each stages its
tables in the asset's store and answers the asset's small JSON output; the activity publishes
what was staged in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from temporalio.exceptions import ApplicationError

from activities.assets.stores import AssetStore
from connectors.postgres.sql import quote_literal
from domain.assets import AssetPipelineDefinition, AssetSpec
from domain.credit_scoring import model as credit_model
from domain.credit_scoring import scorecard, synthetic
from domain.credit_scoring.features import FEATURES

MODEL_COLUMNS = [
    ("model_id", "VARCHAR"),
    ("batch_id", "VARCHAR"),
    ("algorithm", "VARCHAR"),
    ("trained_at", "VARCHAR"),
    ("samples", "INTEGER"),
    ("train_samples", "INTEGER"),
    ("test_samples", "INTEGER"),
    ("default_rate", "DOUBLE PRECISION"),
    ("auc_roc", "DOUBLE PRECISION"),
    ("intercept", "DOUBLE PRECISION"),
]
COEFFICIENT_COLUMNS = [
    ("model_id", "VARCHAR"),
    ("feature", "VARCHAR"),
    ("coefficient", "DOUBLE PRECISION"),
    ("mean", "DOUBLE PRECISION"),
    ("scale", "DOUBLE PRECISION"),
]


@dataclass
class StepContext:
    store: AssetStore
    definition: AssetPipelineDefinition
    spec: AssetSpec
    batch_id: str
    config: dict[str, Any]

    def setting(self, key: str) -> Any:
        """A config value: the run's, else the package's default."""
        if key in self.config:
            return self.config[key]
        return DEFAULTS[key]


DEFAULTS: dict[str, Any] = {
    "batch_size": 100,
    "scorecard_version": "v1",
    "test_size": 0.2,
    "min_samples": 100,
    "auc_threshold": 0.6,
    "blend_factor": 0.5,
}


def _refuse(message: str, type_: str) -> ApplicationError:
    return ApplicationError(message, type=type_, non_retryable=True)


async def ingest_synthetic_batch(ctx: StepContext) -> dict[str, Any]:
    if not ctx.batch_id:
        raise _refuse("ingest_synthetic_batch needs a batch_id", "BATCH_ID_REQUIRED")
    chunks = synthetic.generate(ctx.batch_id, int(ctx.setting("batch_size")))
    created = 0
    while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
        for table, rows in chunk.rows.items():
            await ctx.store.stage_rows(table, synthetic.TABLES[table], rows, ["batch_id"])
        created += chunk.parties
    return {"parties_created": created}


async def score_batch(ctx: StepContext) -> dict[str, Any]:
    version = str(ctx.setting("scorecard_version"))
    bins = await _scorecard(ctx, version)
    batch = quote_literal(ctx.batch_id)
    features = ctx.store.name("features")
    found = (
        await ctx.store.exists("features")
        and (await ctx.store.query(f"SELECT COUNT(*) FROM {features} WHERE batch_id = {batch}"))[0][
            0
        ]
    )
    if not found:
        raise _refuse(
            f"Batch {ctx.batch_id!r} not found: it has no features (run "
            "feature_extraction_pipeline for it first)",
            "BATCH_NOT_FOUND",
        )
    sql = scorecard.score_sql(bins, features, batch, version)
    scored = await ctx.store.stage_select(
        ctx.spec.table_name, sql, ["batch_id", "scorecard_version"]
    )
    return {"parties_scored": scored, "scorecard_version": version}


async def _scorecard(ctx: StepContext, version: str) -> list[scorecard.Bin]:
    """The version's bins from the scorecards table; the built-in v1 is staged there the
    first time it is used."""
    if await ctx.store.exists("scorecards"):
        rows = await ctx.store.query(
            "SELECT feature, lower_bound, upper_bound, points FROM "
            f"{ctx.store.name('scorecards')} WHERE version = {quote_literal(version)} "
            "ORDER BY feature, lower_bound NULLS FIRST"
        )
        if rows:
            return [scorecard.Bin(f, lo, hi, p) for f, lo, hi, p in rows]
    if version == "v1":
        rows = [b.row("v1", "built-in") for b in scorecard.V1]
        await ctx.store.stage_rows("scorecards", scorecard.COLUMNS, rows, ["version"])
        return list(scorecard.V1)
    raise _refuse(
        f"Scorecard version {version!r} not found: use v1 or a version refine_scorecard made",
        "SCORECARD_NOT_FOUND",
    )


async def train_model(ctx: StepContext) -> dict[str, Any]:
    minimum = int(ctx.setting("min_samples"))
    rows: list[tuple] = []
    if await ctx.store.exists("features") and await ctx.store.exists("labels"):
        columns = ", ".join(f"f.{name}" for name in FEATURES)
        rows = await ctx.store.query(
            f"SELECT {columns}, l.defaulted FROM {ctx.store.name('features')} AS f "
            f"JOIN {ctx.store.name('labels')} AS l "
            "ON l.party_id = f.party_id AND l.batch_id = f.batch_id ORDER BY f.party_id"
        )
    data = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES) + 1)
    model_id = f"model_{ctx.batch_id}"
    try:
        trained = await asyncio.to_thread(
            credit_model.train,
            list(FEATURES),
            data[:, :-1],
            data[:, -1],
            test_size=float(ctx.setting("test_size")),
            min_samples=minimum,
            seed=synthetic.seed_of(model_id),
        )
    except credit_model.InsufficientSamples as exc:
        raise _refuse(str(exc), "INSUFFICIENT_SAMPLES") from None
    except credit_model.UnusableLabels as exc:
        raise _refuse(str(exc), "UNUSABLE_LABELS") from None
    threshold = float(ctx.setting("auc_threshold"))
    if trained.auc_roc < threshold:
        raise _refuse(
            f"AUC {trained.auc_roc:.4f} on the held-out part is below auc_threshold {threshold:g}",
            "AUC_BELOW_THRESHOLD",
        )
    now = datetime.now(UTC).isoformat()
    samples = trained.train_samples + trained.test_samples
    await ctx.store.stage_rows(
        ctx.spec.table_name,
        MODEL_COLUMNS,
        [
            (
                model_id,
                ctx.batch_id,
                "logistic_regression",
                now,
                samples,
                trained.train_samples,
                trained.test_samples,
                trained.default_rate,
                trained.auc_roc,
                trained.intercept,
            )
        ],
        ["model_id"],
    )
    await ctx.store.stage_rows(
        "model_coefficients",
        COEFFICIENT_COLUMNS,
        [(model_id, c.feature, c.coefficient, c.mean, c.scale) for c in trained.coefficients],
        ["model_id"],
    )
    return {
        "model_id": model_id,
        "auc_roc": trained.auc_roc,
        "samples": samples,
        "test_samples": trained.test_samples,
    }


async def refine_scorecard(ctx: StepContext) -> dict[str, Any]:
    model_id = f"model_{ctx.batch_id}"
    coefficients: list[tuple] = []
    if await ctx.store.exists("model_coefficients"):
        coefficients = await ctx.store.query(
            "SELECT feature, coefficient, mean, scale FROM "
            f"{ctx.store.name('model_coefficients')} WHERE model_id = {quote_literal(model_id)}"
        )
    if not coefficients:
        raise _refuse(
            f"Model {model_id!r} not found: run train_model_asset for batch {ctx.batch_id!r} first",
            "MODEL_NOT_FOUND",
        )
    base = str(ctx.setting("scorecard_version"))
    bins = await _scorecard(ctx, base)
    model = [scorecard.Coefficient(f, c, m, s) for f, c, m, s in coefficients]
    refined = scorecard.blend(bins, model, float(ctx.setting("blend_factor")))
    version = await _new_version(ctx)
    rows = [b.row(version, f"{model_id} blended into {base}") for b in refined]
    await ctx.store.stage_rows(ctx.spec.table_name, scorecard.COLUMNS, rows, ["version"])
    return {"new_version": version, "base_version": base, "model_id": model_id}


async def _new_version(ctx: StepContext) -> str:
    """``ml_v<date>``, with a suffix when that day already has one."""
    name = f"ml_v{datetime.now(UTC):%Y%m%d}"
    taken: set[str] = set()
    if await ctx.store.exists("scorecards"):
        rows = await ctx.store.query(
            f"SELECT DISTINCT version FROM {ctx.store.name('scorecards')} "
            f"WHERE version LIKE {quote_literal(name + '%')}"
        )
        taken = {r[0] for r in rows}
    if name not in taken:
        return name
    suffix = 2
    while f"{name}_{suffix}" in taken:
        suffix += 1
    return f"{name}_{suffix}"


STEPS: dict[str, Callable[[StepContext], Awaitable[dict[str, Any]]]] = {
    "ingest_synthetic_batch": ingest_synthetic_batch,
    "score_batch": score_batch,
    "train_model": train_model,
    "refine_scorecard": refine_scorecard,
}
"""The implementations of domain.assets.definition.PYTHON_STEPS, by the same names."""
