"""What every data activity shares: step bookkeeping, heartbeats, log lines, error boundary."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.step_records import StepRecord, StepRecords
from connectors import postgres
from connectors.base import Connector, ConnectorError, Progress, safe_detail
from connectors.postgres import PostgresConfig
from connectors.postgres.errors import classify
from connectors.postgres.idle import IdleConnections
from core import telemetry
from core.connections import connector_config, postgres_config
from core.secrets import Cipher
from core.settings import DataPlaneSettings, Settings, TemporalSettings
from store import connections as connection_store
from store.db import Database
from store.models import Connection, RunLog, utcnow
from workflows.payloads import RunStatus, StepRef

if TYPE_CHECKING:
    from activities.commit_guard import CommitHook

log = structlog.get_logger("ductwork.activities")


@dataclass
class StepContext:
    """Handed to an activity's body: its metrics, and a logger that also keeps the run's log."""

    ref: StepRef
    metrics: Progress = field(default_factory=Progress)
    lines: list[RunLog] = field(default_factory=list)

    def info(self, message: str, **fields: Any) -> None:
        self._log("INFO", message, fields)

    def warning(self, message: str, **fields: Any) -> None:
        self._log("WARNING", message, fields)

    def _log(self, level: str, message: str, fields: dict[str, Any]) -> None:
        # pipeline, execution, workflow and task ids are bound by ActivityDeps.step
        log.log(20 if level == "INFO" else 30, message, **fields)
        text = " ".join([message, *(f"{k}={v}" for k, v in fields.items())])
        self.lines.append(
            RunLog(
                execution_id=self.ref.execution_id,
                ts=utcnow(),
                level=level,
                task=self.ref.name,
                message=text,
            )
        )


class ActivityDeps:
    """Dependencies of the data activities: the store, the cipher, data-plane settings, and the
    service's settings (the confinement policy every connection is opened under)."""

    def __init__(self, db: Database, cipher: Cipher, settings: Settings) -> None:
        self.db = db
        self.cipher = cipher
        self.settings: DataPlaneSettings = settings.data_plane
        self.service_settings = settings
        # Tests only: holds a load at its commit point (activities.commit_guard.CommitHook).
        self.commit_hook: CommitHook | None = None
        # PostgreSQL connections kept open between steps, by tenant and resolved settings.
        self.kept = IdleConnections()

    async def connect(self, tenant_id: str, connection_id: str) -> asyncpg.Connection:
        """Open a PostgreSQL connection; credentials are looked up here, never passed in."""
        return await postgres.connect(await self.postgres_config(tenant_id, connection_id))

    async def take_postgres(self, tenant_id: str, config: PostgresConfig) -> asyncpg.Connection:
        """A connection to ``config`` kept open for the tenant (``give_back_postgres``), else a
        new one."""
        return await self.kept.take(_kept_key(tenant_id, config), config)

    def give_back_postgres(
        self, tenant_id: str, config: PostgresConfig, conn: asyncpg.Connection
    ) -> None:
        """``conn`` is done with: kept open for the tenant's next step with ``config``."""
        self.kept.give_back(_kept_key(tenant_id, config), conn)

    async def postgres_config(self, tenant_id: str, connection_id: str) -> PostgresConfig:
        row = await self._row(tenant_id, connection_id)
        return await postgres_config(row, self.cipher, self.service_settings)

    async def source(self, tenant_id: str, connection_id: str) -> tuple[Connector, Any]:
        """A connection's connector and config (credentials resolved here)."""
        row = await self._row(tenant_id, connection_id)
        return await connector_config(row, self.cipher, self.service_settings)

    async def _row(self, tenant_id: str, connection_id: str) -> Connection:
        async with self.db.session() as session:
            return await connection_store.get(session, tenant_id, connection_id)

    @contextlib.asynccontextmanager
    async def step_records(self) -> AsyncIterator[StepRecords]:
        """The step records of an activity that runs several steps, all written by the time
        it exits: a step's end and the next one's start go to the store together."""
        records = StepRecords(self.db)
        try:
            yield records
        finally:
            await asyncio.shield(records.settled())

    @contextlib.asynccontextmanager
    async def step(
        self, ref: StepRef, kind: str, records: StepRecords | None = None
    ) -> AsyncIterator[StepContext]:
        """Record the step's start, progress and end; heartbeat; classify errors.

        ``records`` (``step_records``): the writer of an activity that runs several steps;
        the step's end is then written with what follows it. Without it the step has its
        own, and its end is written before the step is over."""
        ctx = StepContext(ref)
        own = records is None
        writer = StepRecords(self.db) if records is None else records
        attempt = activity.info().attempt
        structlog.contextvars.bind_contextvars(
            pipeline_id=ref.pipeline_id,
            execution_id=ref.execution_id,
            workflow_id=activity.info().workflow_id,
            task=ref.name,
            attempt=attempt,
        )
        # The start is written while the step gets going; every later record follows it.
        writer.save(_record(ctx, kind, RunStatus.RUNNING, None, attempt))
        ctx.info("started", attempt=attempt)
        reporter = asyncio.create_task(self._report(ctx, kind, attempt, writer))
        started = time.perf_counter()
        step_span = telemetry.span(
            f"{kind} {ref.name}",
            tenant=ref.tenant_id,
            pipeline_id=ref.pipeline_id,
            run_id=ref.execution_id,
            step=ref.name,
            attempt=attempt,
        )
        end: tuple[RunStatus, str | None] | None = None  # None: the step's end is unknown
        try:
            with step_span as current:
                yield ctx
                current.set_attribute("ductwork.rows", ctx.metrics.rows)
                current.set_attribute("ductwork.bytes", ctx.metrics.bytes)
        except asyncio.CancelledError:
            ctx.warning("cancelled")
            end = (RunStatus.CANCELLED, None)
            raise
        except ApplicationError as exc:
            ctx.warning("failed", error=exc.message)
            end = (RunStatus.FAILED, exc.message)
            raise
        except Exception as exc:
            error = to_application_error(classify(exc))
            ctx.warning("failed", error=error.message)
            end = (RunStatus.FAILED, error.message)
            raise error from None  # the driver's own text (rows, bytes) stays out of history
        else:
            ctx.info(
                "finished",
                rows=ctx.metrics.rows,
                bytes=ctx.metrics.bytes,
                seconds=round(time.perf_counter() - started, 3),
            )
            end = (RunStatus.COMPLETED, None)
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            if end is not None:
                lines, ctx.lines = ctx.lines, []  # the log lines go with the step's end
                writer.save(_record(ctx, kind, *end, attempt, lines))
            if own:
                # Bookkeeping must land even while the activity is being cancelled.
                await asyncio.shield(writer.settled())
            structlog.contextvars.unbind_contextvars(
                "execution_id", "workflow_id", "task", "attempt"
            )

    async def _report(
        self, ctx: StepContext, kind: str, attempt: int, records: StepRecords
    ) -> None:
        """Heartbeat often (so cancellation arrives), save live metrics now and then."""
        last_saved = time.monotonic()
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            activity.heartbeat({"rows": ctx.metrics.rows, "bytes": ctx.metrics.bytes})
            if time.monotonic() - last_saved >= self.settings.progress_every_seconds:
                records.save(_record(ctx, kind, RunStatus.RUNNING, None, attempt))
                last_saved = time.monotonic()


def _kept_key(tenant_id: str, config: PostgresConfig) -> tuple[Any, ...]:
    """Who may use a kept connection: the tenant, with exactly these settings."""
    return (
        tenant_id,
        config.host,
        config.port,
        config.database,
        config.user,
        config.password,
        config.ssl_mode,
    )


def _record(
    ctx: StepContext,
    kind: str,
    status: RunStatus,
    error: str | None,
    attempt: int,
    lines: list[RunLog] | None = None,
) -> StepRecord:
    """The step's state as of now."""
    return StepRecord(
        ctx.ref.execution_id,
        ctx.ref.name,
        kind,
        status.value,
        attempt,
        ctx.metrics.rows,
        ctx.metrics.bytes,
        error,
        lines or [],
    )


def queue_settings() -> Settings:
    """Settings that start workflows on this worker's own task queue (runs, schedules)."""
    return Settings.model_construct(
        temporal=TemporalSettings(task_queue=activity.info().task_queue)
    )


@contextlib.contextmanager
def application_errors() -> Iterator[None]:
    """The activity boundary: driver errors leave as classified ApplicationErrors."""
    try:
        yield
    except ApplicationError:
        raise
    except Exception as exc:
        raise to_application_error(classify(exc)) from None  # no driver text in history


def to_application_error(error: ConnectorError) -> ApplicationError:
    """A connector's error as Temporal sees it: its code as the type, TerminalError as final;
    the message summarised (``safe_detail``), never row content or raw bytes."""
    return ApplicationError(
        safe_detail(error.message), type=error.error_type, non_retryable=not error.retryable
    )


async def closing(*conns: asyncpg.Connection) -> None:
    """Close connections side by side; a failure to close one is no failure of the step.

    A connection outside a transaction has nothing left to settle: it closes in the background
    while the step goes on. One still inside (its commit or rollback cut short) is waited for:
    its end must reach the server before anyone reads what it left there.
    """
    pending = []
    for conn in conns:
        if conn.is_in_transaction():
            pending.append(conn.close(timeout=5))
        else:
            closed = asyncio.create_task(conn.close(timeout=5))
            _CLOSING.add(closed)
            closed.add_done_callback(_closed)
    await asyncio.gather(*pending, return_exceptions=True)


_CLOSING: set[asyncio.Task[None]] = set()
"""Connections closing in the background (held here until they have)."""


def _closed(task: asyncio.Task[None]) -> None:
    _CLOSING.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a failure to close is no failure of the step
