"""A pipeline version's stored definition as the model. One written before a rule existed (or
by hand) may not validate any more: it is then a 409 ``INVALID_STORED_DEFINITION`` that says how
to fix it, on every surface that needs the model (runs, lineage, new versions)."""

from __future__ import annotations

from collections import OrderedDict

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.definition import PipelineDefinition
from store import pipelines as pipeline_store
from store.errors import Conflict
from store.models import Pipeline, PipelineVersion

KEPT_VERSIONS = 1024
"""How many versions' models ``version_definition`` keeps per process, the least recently
used dropped first."""

_kept: OrderedDict[tuple[str, int], PipelineDefinition] = OrderedDict()


def definition_of(pipeline: Pipeline, version: PipelineVersion) -> PipelineDefinition:
    try:
        return PipelineDefinition.model_validate(version.definition)
    except ValidationError as exc:
        first = ".".join(map(str, exc.errors()[0]["loc"])) or "the top level"
        raise Conflict(
            f"pipeline {pipeline.name!r}: its stored definition (version {version.label}) is not "
            f"valid ({exc.error_count()} problem(s), first at {first}); save a corrected one "
            f"with PUT /v1/pipelines/{pipeline.id}",
            code="INVALID_STORED_DEFINITION",
        ) from None


async def version_definition(
    session: AsyncSession, pipeline: Pipeline, number: int
) -> PipelineDefinition:
    """Version ``number`` of the pipeline as the model (NotFound, or Conflict as
    ``definition_of``). A version never changes once saved (a new definition is a new version),
    so each is read and validated once per process; callers only read the model."""
    key = (pipeline.id, number)
    definition = _kept.get(key)
    if definition is not None:
        _kept.move_to_end(key)
        return definition
    definition = definition_of(pipeline, await pipeline_store.get_version(session, *key))
    _kept[key] = definition
    if len(_kept) > KEPT_VERSIONS:
        _kept.popitem(last=False)
    return definition
