"""The AI-ETL pipelines API's ``POST /api/v1/pipelines/{id}:describe`` and ``:analyze``.

Both read the pipeline's current version; neither changes anything (Viewer). The words and the
score come from ``ai.analysis``, which the generate endpoint's describe/analyze modes reuse.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError

from ai.analysis.analyze import analyze
from ai.analysis.context import pipeline_context
from ai.analysis.describe import describe
from api.deps import CipherDep, SessionDep, SettingsDep, Viewer
from api.errors import ApiError

router = APIRouter(prefix="/api/v1/pipelines", tags=["pipelines (AI)"])


class Explanation(BaseModel):
    section: str
    content: str


class DescribeOut(BaseModel):
    pipeline_id: str
    version: int
    explanations: list[Explanation]
    performance_measured: bool = Field(
        description="true: the performance section comes from completed runs; false: estimated"
    )


class AnalyzeOut(BaseModel):
    pipeline_id: str
    version: int
    quality_score: int = Field(ge=0, le=100)
    issues: list[dict[str, Any]]
    improvements: list[dict[str, Any]]
    metrics: dict[str, Any]


async def _context(session, cipher, settings, tenant_id: str, pipeline_id: str):
    try:
        return await pipeline_context(session, cipher, settings, tenant_id, pipeline_id)
    except ValidationError as exc:
        # A stored definition that no longer validates (the model moved on): say so, not 500.
        raise ApiError(
            422,
            "INVALID_DEFINITION",
            f"the pipeline's current definition does not validate: {exc.errors()[0]['msg']}",
        ) from None


@router.post("/{pipeline_id}:describe", response_model=DescribeOut)
async def describe_pipeline(
    pipeline_id: str,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Viewer,
) -> DescribeOut:
    definition, facts, version = await _context(
        session, cipher, settings, principal.tenant_id, pipeline_id
    )
    return DescribeOut(
        pipeline_id=pipeline_id,
        version=version,
        explanations=[Explanation(**e) for e in describe(definition, facts)],
        performance_measured=bool(facts.measured and facts.measured.runs),
    )


@router.post("/{pipeline_id}:analyze", response_model=AnalyzeOut)
async def analyze_pipeline(
    pipeline_id: str,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    principal: Viewer,
) -> AnalyzeOut:
    definition, facts, version = await _context(
        session, cipher, settings, principal.tenant_id, pipeline_id
    )
    return AnalyzeOut(pipeline_id=pipeline_id, version=version, **analyze(definition, facts))
