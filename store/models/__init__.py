"""Table models of the metadata store, one module per area. Every row carries its tenant."""

# Importing every area registers its tables on SQLModel.metadata (Alembic and tests read it).
from store.models import generation, identity, lifecycle, monitoring, webhooks  # noqa: F401
from store.models.core import (
    Connection,
    Execution,
    Pipeline,
    PipelineConnection,
    PipelineVersion,
    RunLog,
    RunStep,
    utcnow,
)

__all__ = [
    "Connection",
    "Execution",
    "Pipeline",
    "PipelineConnection",
    "PipelineVersion",
    "RunLog",
    "RunStep",
    "utcnow",
]
