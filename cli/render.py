"""Rich tables and panels of what the API answered."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ductwork_client import Approval, Connection, Execution, LogLine, Pipeline
from rich.console import Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

STATUS_STYLE = {
    "COMPLETED": "green",
    "FAILED": "red",
    "CANCELLED": "yellow",
    "RUNNING": "cyan",
    "QUEUED": "blue",
    "PENDING": "yellow",
    "APPROVED": "green",
    "REJECTED": "red",
}


def status(word: str | None) -> str:
    word = word or "-"
    style = STATUS_STYLE.get(word.upper())
    return f"[{style}]{word}[/]" if style else word


def pipelines(items: Iterable[Pipeline]) -> Table:
    table = Table("id", "name", "version", "status", "created", title="pipelines")
    for p in items:
        created = p.created_at.strftime("%Y-%m-%d %H:%M") if p.created_at else "-"
        table.add_row(
            p.pipeline_id, p.name or "-", str(p.version or "-"), status(p.status), created
        )
    return table


def pipeline(p: Pipeline) -> Group:
    header = Table.grid(padding=(0, 2))
    for label, value in (
        ("id", p.pipeline_id),
        ("name", p.name or "-"),
        ("version", str(p.version or "-")),
        ("status", status(p.status)),
        ("description", p.description or "-"),
    ):
        header.add_row(f"[bold]{label}[/]", value)
    definition = Syntax(json.dumps(p.definition or {}, indent=2), "json", word_wrap=True)
    return Group(header, Panel(definition, title="definition"))


def runs(items: Iterable[Execution]) -> Table:
    table = Table("run", "pipeline", "status", "rows", "submitted", "finished", title="runs")
    for r in items:
        table.add_row(
            r.execution_id,
            r.pipeline_id or "-",
            status(r.status),
            f"{r.rows:,}",
            r.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if r.submitted_at else "-",
            r.finished_at.strftime("%H:%M:%S") if r.finished_at else "-",
        )
    return table


def run(r: Execution) -> Group:
    header = Table.grid(padding=(0, 2))
    for label, value in (
        ("run", r.execution_id),
        ("pipeline", r.pipeline_id or "-"),
        ("status", status(r.status)),
        ("progress", f"{r.percentage:.0f}%"),
        ("rows", f"{r.rows:,}"),
        ("error", json.dumps(r.error) if r.error else "-"),
        ("Temporal", r.temporal_ui_url or "-"),
    ):
        header.add_row(f"[bold]{label}[/]", value)
    steps = Table("step", "status", "rows", "started", "finished", title="steps")
    for task in r.tasks or []:
        steps.add_row(
            str(task.get("name") or task.get("taskId") or "-"),
            status(task.get("status")),
            f"{task.get('rows') or task.get('rowsProcessed') or 0:,}",
            str(task.get("startedAt") or "-"),
            str(task.get("finishedAt") or "-"),
        )
    return Group(header, steps)


def log_line(line: LogLine) -> str:
    when = line.ts.strftime("%H:%M:%S") if line.ts else "--:--:--"
    level = "[red]" if (line.level or "").upper() in ("ERROR", "WARNING") else "[dim]"
    return f"{level}{when} {line.level or '':7}[/] [bold]{line.task or '-'}[/] {line.message}"


def approvals(items: Iterable[Approval]) -> Table:
    table = Table("request", "kind", "subject", "status", "decided by", "reason", title="approvals")
    for a in items:
        table.add_row(
            a.request_id,
            a.kind or "-",
            a.subject or "-",
            status(a.status),
            a.decided_by or "-",
            a.reason or "-",
        )
    return table


def connections(items: Iterable[Connection]) -> Table:
    table = Table("id", "name", "type", "host", "database", title="connections")
    for c in items:
        table.add_row(c.connection_id, c.name, c.type, c.host or "-", c.database or "-")
    return table
