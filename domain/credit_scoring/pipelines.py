"""The credit-scoring package's five asset pipelines, built into every tenant."""

from __future__ import annotations

from typing import Any

from domain.assets.definition import AssetPipelineDefinition
from domain.credit_scoring.features import FEATURES, features_sql, labels_sql

SCHEMA = "credit_scoring"
CONNECTION = "credit_scoring"
"""A tenant connection of this name (PostgreSQL or DuckDB) holds the package's tables;
without one they go to the tenant's own database file (<data dir>/tenants/<tenant>/)."""
DATABASE_FILE = "scoring.duckdb"

_CONFIG: dict[str, dict[str, Any]] = {
    "batch_size": {
        "default": 100,
        "minimum": 1,
        "maximum": 1_000_000,
        "description": "parties in a synthetic batch",
    },
    "scorecard_version": {
        "default": "v1",
        "description": "the scorecard version that scores "
        "(ml_training_pipeline: the version it refines)",
    },
    "observation_window_days": {
        "default": 180,
        "minimum": 1,
        "maximum": 3650,
        "description": "a default within this many days labels 1",
    },
    "test_size": {
        "default": 0.2,
        "minimum": 0.05,
        "maximum": 0.9,
        "description": "share of the labelled parties held out to compute the AUC",
    },
    "min_samples": {
        "default": 100,
        "minimum": 2,
        "maximum": 100_000_000,
        "description": "fewer labelled parties than this: no model",
    },
    "auc_threshold": {
        "default": 0.6,
        "minimum": 0.0,
        "maximum": 1.0,
        "description": "a model whose held-out AUC is below this fails",
    },
    "blend_factor": {
        "default": 0.5,
        "minimum": 0.0,
        "maximum": 1.0,
        "description": "how far the refined scorecard moves towards the model",
    },
}

_ASSETS: dict[str, dict[str, Any]] = {
    "ingest_synthetic_batch": {
        "description": "a deterministic synthetic batch of parties with accounts, "
        "transactions, repayments and (hidden) default outcomes",
        "python": "ingest_synthetic_batch",
        "table": "parties",
        "partition_by": ["batch_id"],
    },
    "extract_features": {
        "description": "sixteen features per party, in SQL",
        "deps": ["ingest_synthetic_batch"],
        "sql": features_sql(SCHEMA),
        "table": "features",
        "partition_by": ["batch_id"],
        "outputs": {"features_extracted": f"COUNT(*) * {len(FEATURES)}"},
        "min_rows": 1,
    },
    "score_batch": {
        "description": "scores and bands from a versioned scorecard",
        "deps": ["extract_features"],
        "python": "score_batch",
        "table": "scores",
        "partition_by": ["batch_id", "scorecard_version"],
    },
    "generate_scorecard_labels": {
        "description": "default (1) or not (0) within the observation window",
        "deps": ["ingest_synthetic_batch"],
        "sql": labels_sql(SCHEMA),
        "table": "labels",
        "partition_by": ["batch_id"],
        "outputs": {"labels_generated": "COUNT(*)", "defaults": "SUM(defaulted)"},
        "min_rows": 1,
    },
    "train_model_asset": {
        "description": "a logistic regression on every labelled batch so far, judged by its "
        "AUC on a held-out part",
        "deps": ["extract_features", "generate_scorecard_labels"],
        "python": "train_model",
        "table": "models",
        "partition_by": ["model_id"],
    },
    "refine_scorecard": {
        "description": "a new scorecard version blending the model into the scorecard",
        "deps": ["train_model_asset"],
        "python": "refine_scorecard",
        "table": "scorecards",
        "partition_by": ["version"],
    },
}

_PIPELINES: dict[str, tuple[str, list[str], list[str]]] = {
    "full_scoring_pipeline": (
        "Complete: ingest, features, score, labels, train, refine",
        list(_ASSETS),
        list(_CONFIG),
    ),
    "ingest_pipeline": ("Ingest synthetic data only", ["ingest_synthetic_batch"], ["batch_size"]),
    "feature_extraction_pipeline": ("Extract features for a batch", ["extract_features"], []),
    "scoring_pipeline": ("Score a batch", ["score_batch"], ["scorecard_version"]),
    "ml_training_pipeline": (
        "Train ML model and refine scorecard",
        ["train_model_asset", "refine_scorecard"],
        ["test_size", "min_samples", "auc_threshold", "blend_factor", "scorecard_version"],
    ),
}


def _definition(name: str, description: str, assets: list[str], config: list[str]):
    chosen = [
        {
            "name": a,
            **{k: v for k, v in _ASSETS[a].items() if k != "deps"},
            "deps": [d for d in _ASSETS[a].get("deps", []) if d in assets],
        }
        for a in assets
    ]
    return AssetPipelineDefinition.model_validate(
        {
            "name": name,
            "description": description,
            "connection": CONNECTION,
            "database_file": DATABASE_FILE,
            "schema": SCHEMA,
            "config": {key: _CONFIG[key] for key in config},
            "assets": chosen,
        }
    )


BUILT_IN: dict[str, AssetPipelineDefinition] = {
    name: _definition(name, *spec) for name, spec in _PIPELINES.items()
}
"""The package's pipelines by name; the same in every tenant."""
