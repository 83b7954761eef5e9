"""Traces and the Temporal SDK's metrics, set up once per process (the API, the worker).

- **Traces.** One tracer provider per process, named ``<service>-api`` or ``<service>-worker``.
  Spans are exported over OTLP/HTTP when ``DUCTWORK_TELEMETRY__OTLP_ENDPOINT`` is set; without
  it they are still made, so every log line carries a real trace id. Temporal's
  ``TracingInterceptor`` (on the client, and so on the worker) carries the context from the API
  request into the workflow and each activity; ``span`` adds Ductwork's own (connector calls).
- **Temporal SDK metrics.** The SDK serves them in the Prometheus format on
  ``DUCTWORK_TELEMETRY__TEMPORAL_METRICS_ADDRESS`` (port 0: a free one); the API re-serves its
  own process's under ``/metrics``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from core.settings import TelemetrySettings

_provider: TracerProvider | None = None
_runtime: tuple[Runtime, str | None] | None = None

TENANT = "ductwork.tenant"
PIPELINE = "ductwork.pipeline_id"
RUN = "ductwork.run_id"
"""Span attribute names: every span of a run carries the tenant, the pipeline and the run."""


def configure_tracing(settings: TelemetrySettings, role: str) -> TracerProvider:
    """The process's tracer provider (made on the first call; later calls return it)."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"{settings.service_name}-{role}"})
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        headers = {name: value.get_secret_value() for name, value in settings.otlp_headers.items()}
        endpoint = settings.otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, headers=headers))
        )
    trace.set_tracer_provider(provider)
    _instrument_httpx()
    _provider = provider
    return provider


def _instrument_httpx() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def tracer() -> trace.Tracer:
    return trace.get_tracer("ductwork")


@contextlib.contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span of Ductwork's own, e.g. a connector call; ``None`` attributes are left out."""
    with tracer().start_as_current_span(name) as current:
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(f"ductwork.{key}", value)
        yield current


def tag_current_span(**attributes: Any) -> None:
    """Put ``ductwork.<name>`` attributes on the span in progress (the request's, the step's)."""
    current = trace.get_current_span()
    for key, value in attributes.items():
        if value is not None:
            current.set_attribute(f"ductwork.{key}", value)


def trace_ids() -> dict[str, str]:
    """The current trace and span ids, as log fields (empty outside any span)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


def temporal_runtime(settings: TelemetrySettings) -> tuple[Runtime, str | None]:
    """The process's Temporal runtime: the SDK's own log lines go through Python logging (so
    they come out as JSON like every other line), its metrics to a Prometheus endpoint whose
    address is returned (None when metrics are off)."""
    global _runtime
    if _runtime is not None:
        return _runtime
    address = _bind_address(settings.temporal_metrics_address)
    telemetry = TelemetryConfig(
        logging=LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
        ),
        metrics=PrometheusConfig(bind_address=address, durations_as_seconds=True)
        if address
        else None,
    )
    _runtime = (Runtime(telemetry=telemetry), address)
    return _runtime


def temporal_metrics_address() -> str | None:
    """Where this process's Temporal SDK metrics are served; None before ``temporal_runtime``
    (a client made elsewhere, e.g. by a test) or with metrics off."""
    return None if _runtime is None else _runtime[1]


def _bind_address(configured: str | None) -> str | None:
    if not configured:
        return None
    host, _, port = configured.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if port not in ("", "0"):
        return f"{host}:{port}"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return f"{host}:{probe.getsockname()[1]}"
