"""Asset pipelines: named assets with dependencies, each a SQL or a built-in Python step that
materialises into a table of the pipeline's store connection."""

from domain.assets.definition import (
    AssetPipelineDefinition,
    AssetSpec,
    ConfigKey,
    asset_definition_json_schema,
)

__all__ = ["AssetPipelineDefinition", "AssetSpec", "ConfigKey", "asset_definition_json_schema"]
