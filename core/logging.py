"""JSON logs (structlog and the standard library alike) with bound ids, trace ids and secrets
redacted."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|api[_-]?key|authorization|credential", re.I)
_DSN_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
REDACTED = "***"


def redact(value: Any) -> Any:
    """Mask secret-looking keys in mappings and passwords inside URLs."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET_KEYS.search(k) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    if isinstance(value, str):
        return _DSN_PASSWORD.sub(rf"\1{REDACTED}@", value)
    return value


def _redact_processor(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    return redact(event_dict)


def _trace_ids(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    """The OpenTelemetry trace and span of the line, so a log line leads to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", f"{context.trace_id:032x}")
        event_dict.setdefault("span_id", f"{context.span_id:016x}")
    return event_dict


ROUTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "temporalio", "alembic")
"""Libraries' loggers whose own handlers are dropped: their lines go out as JSON like ours."""


def configure_logging(
    level: str = "INFO", *, json: bool = True, stream: TextIO | None = None
) -> None:
    """Every line one JSON object on stderr (or readable lines for a terminal): structlog's, and
    the standard library's (uvicorn, temporalio, alembic) rendered by the same processors."""
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _trace_ids,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _redact_processor, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _redact_processor,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ROUTED_LOGGERS:
        routed = logging.getLogger(name)
        routed.handlers = []
        routed.propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
