"""A typed client for the Ductwork API, blocking (``Client``) and asyncio (``AsyncClient``).

    from ductwork_client import Client

    client = Client(api_key="dw_...", base_url="http://127.0.0.1:8000")
    pipeline = client.pipelines.generate(description="Load paid orders into the warehouse")
    pipeline.deploy(schedule="0 2 * * *")
    run = pipeline.run(params={"date": "2024-01-26"})
    print(run.get_status())

Every error answer raises a ``DuctworkError`` subclass carrying the status, the error code,
the message and the whole body.
"""

from ductwork_client.aio import AsyncClient, AsyncPipelineHandle, AsyncRunHandle
from ductwork_client.errors import (
    AuthenticationFailed,
    Conflict,
    DuctworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    ValidationFailed,
)
from ductwork_client.models import (
    FINISHED,
    Approval,
    Connection,
    ConnectionTest,
    Execution,
    Generated,
    LogLine,
    Page,
    Pipeline,
    RunAccepted,
    RunStatus,
)
from ductwork_client.sync import Client, PipelineHandle, RunHandle

__all__ = [
    "FINISHED",
    "Approval",
    "AsyncClient",
    "AsyncPipelineHandle",
    "AsyncRunHandle",
    "AuthenticationFailed",
    "Client",
    "Conflict",
    "Connection",
    "ConnectionTest",
    "DuctworkError",
    "Execution",
    "Generated",
    "LogLine",
    "NotFound",
    "Page",
    "PermissionDenied",
    "Pipeline",
    "PipelineHandle",
    "RateLimited",
    "RunAccepted",
    "RunHandle",
    "RunStatus",
    "ServerError",
    "ValidationFailed",
]
