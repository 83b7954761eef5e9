"""Table models of the metadata store, one module per area. Every row carries its tenant."""

# Importing every area registers its tables on SQLModel.metadata (Alembic and tests read it).
from store.models import (  # noqa: F401
    assets,
    generation,
    identity,
    lifecycle,
    monitoring,
    webhooks,
)
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
