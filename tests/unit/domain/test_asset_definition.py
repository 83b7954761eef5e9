"""The asset pipeline definition: the graph, the SQL and the config it accepts (table-driven)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.assets import AssetPipelineDefinition, asset_definition_json_schema
from domain.credit_scoring.pipelines import BUILT_IN


def _definition(*assets: dict, **extra) -> AssetPipelineDefinition:  # type: ignore[no-untyped-def]
    return AssetPipelineDefinition.model_validate({"name": "p", "assets": list(assets), **extra})


@pytest.mark.parametrize(
    ("assets", "extra", "says"),
    [
        (
            [
                {"name": "a", "deps": ["b"], "sql": "SELECT 1 AS x"},
                {"name": "b", "deps": ["a"], "sql": "SELECT 1 AS x"},
            ],
            {},
            "cycle: a -> b -> a",
        ),
        ([{"name": "a", "deps": ["nope"], "sql": "SELECT 1 AS x"}], {}, "unknown nope"),
        (
            [{"name": "a", "sql": "SELECT 1 AS x"}, {"name": "a", "sql": "SELECT 2 AS x"}],
            {},
            "unique",
        ),
        ([{"name": "a", "sql": "SELECT 1 AS x", "python": "score_batch"}], {}, "exactly one"),
        ([{"name": "a"}], {}, "exactly one"),
        ([{"name": "a", "python": "rm_rf"}], {}, "unknown python step"),
        ([{"name": "a", "sql": "DELETE FROM t"}], {}, "only a SELECT"),
        ([{"name": "a", "sql": "SELECT"}], {}, "selects no columns"),
        ([{"name": "a", "sql": "SELECT read_text('/etc/passwd') AS x"}], {}, "read_text"),
        ([{"name": "a", "sql": "SELECT :limit AS x"}], {}, "declare them in config"),
        (
            [{"name": "a", "sql": "SELECT 1 AS x"}],
            {"config": {"batch_id": {"default": "x"}}},
            "set by the run",
        ),
        (
            [
                {"name": "a", "sql": "SELECT 1 AS x", "table": "t"},
                {"name": "b", "sql": "SELECT 1 AS x", "table": "t"},
            ],
            {},
            "own table",
        ),
        (
            [{"name": "a", "sql": "SELECT 1 AS x", "outputs": {"n": "COUNT(*); DROP TABLE t"}}],
            {},
            "outputs.n",
        ),
        ([{"name": "a", "sql": "SELECT 1 AS x"}], {"database_file": "../x.duckdb"}, "pattern"),
    ],
)
def test_refused_with_what_to_fix(assets, extra, says):
    with pytest.raises(ValidationError) as caught:
        _definition(*assets, **extra)
    assert says in str(caught.value)


def test_order_puts_dependencies_first():
    definition = _definition(
        {"name": "c", "deps": ["a", "b"], "sql": "SELECT 1 AS x"},
        {"name": "b", "deps": ["a"], "sql": "SELECT :batch_id AS x"},
        {"name": "a", "sql": "SELECT :n AS x"},
        config={"n": {"default": 1}},
    )
    assert definition.order() == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("given", "result"),
    [
        ({}, {"size": 100, "ratio": 0.2, "name": "v1", "on": False}),
        ({"size": 5, "ratio": 1}, {"size": 5, "ratio": 1.0, "name": "v1", "on": False}),
        ({"on": True, "name": "v2"}, {"size": 100, "ratio": 0.2, "name": "v2", "on": True}),
    ],
)
def test_config_defaults_and_values(given, result):
    definition = _definition(
        {"name": "a", "sql": "SELECT 1 AS x"},
        config={
            "size": {"default": 100, "minimum": 1},
            "ratio": {"default": 0.2, "maximum": 1},
            "name": {"default": "v1"},
            "on": {"default": False},
        },
    )
    assert definition.resolve_config(given) == result


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"sise": 3}, "unknown config key(s) sise"),
        ({"size": 0}, "at least 1"),
        ({"size": "5"}, "must be an integer"),
        ({"size": 2.5}, "must be an integer"),
        ({"size": True}, "must be an integer"),
        ({"ratio": 2}, "at most 1"),
        ({"on": 1}, "must be true or false"),
    ],
)
def test_config_refused(given, says):
    definition = _definition(
        {"name": "a", "sql": "SELECT 1 AS x"},
        config={
            "size": {"default": 100, "minimum": 1},
            "ratio": {"default": 0.2, "maximum": 1},
            "on": {"default": False},
        },
    )
    with pytest.raises(ValueError, match=r"config|unknown") as caught:
        definition.resolve_config(given)
    assert says in str(caught.value)


def test_built_in_pipelines_are_the_documented_five():
    assert list(BUILT_IN) == [
        "full_scoring_pipeline",
        "ingest_pipeline",
        "feature_extraction_pipeline",
        "scoring_pipeline",
        "ml_training_pipeline",
    ]
    full = BUILT_IN["full_scoring_pipeline"]
    assert full.order() == [
        "ingest_synthetic_batch",
        "extract_features",
        "score_batch",
        "generate_scorecard_labels",
        "train_model_asset",
        "refine_scorecard",
    ]
    assert {"scorecard_version", "observation_window_days", "blend_factor"} <= set(full.config)
    assert {"test_size", "min_samples", "auc_threshold"} <= set(
        BUILT_IN["ml_training_pipeline"].config
    )


def test_json_schema_is_published_shape():
    schema = asset_definition_json_schema()
    assert schema["title"] == "Ductwork asset pipeline definition"
    assert {"name", "assets"} <= set(schema["required"])
    assert "schema" in schema["properties"]
