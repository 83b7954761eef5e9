"""The AI-ETL platform API's ``POST /api/v1/storage/recommend``: a data profile → storage engine,
partitioning and retention, each with its reasons (``ai.analysis.storage``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator, model_validator

from ai.analysis.storage import (
    ACCESS_PATTERNS,
    QUERY_TYPES,
    StorageProfile,
    growth_gb_per_month,
    recommend_storage,
)
from api.deps import Viewer

router = APIRouter(prefix="/api/v1/storage", tags=["storage"])


class DataProfileIn(BaseModel):
    size_gb: float | None = Field(default=None, ge=0)
    size_mb: float | None = Field(default=None, ge=0, description="as /data/profile answers it")
    row_count: int | None = Field(default=None, ge=0)
    growth_rate: str | None = Field(default=None, description="e.g. '10GB/month', '500MB/day'")
    access_pattern: str = "mixed"
    query_types: list[str] = Field(default_factory=list)
    date_column: str | None = Field(default=None, description="the column to partition on")

    @field_validator("growth_rate")
    @classmethod
    def _growth(cls, value: str | None) -> str | None:
        if value is not None:
            growth_gb_per_month(value)
        return value

    @field_validator("access_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if value not in ACCESS_PATTERNS:
            raise ValueError(f"access_pattern must be one of {', '.join(ACCESS_PATTERNS)}")
        return value

    @field_validator("query_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in QUERY_TYPES]
        if unknown:
            raise ValueError(
                f"unknown query type(s) {', '.join(unknown)} (known: {', '.join(QUERY_TYPES)})"
            )
        return value

    @model_validator(mode="after")
    def _size(self) -> DataProfileIn:
        if self.size_gb is None and self.size_mb is None:
            raise ValueError("give size_gb (or size_mb)")
        return self


class RecommendIn(BaseModel):
    data_profile: DataProfileIn


@router.post("/recommend", summary="Storage recommendations")
async def recommend(body: RecommendIn, principal: Viewer) -> dict[str, Any]:
    p = body.data_profile
    size = p.size_gb if p.size_gb is not None else (p.size_mb or 0) / 1024
    profile = StorageProfile(
        size_gb=size,
        growth_gb_month=growth_gb_per_month(p.growth_rate) if p.growth_rate else 0.0,
        access_pattern=p.access_pattern,
        query_types=p.query_types,
        row_count=p.row_count,
        date_column=p.date_column,
    )
    return recommend_storage(profile)
