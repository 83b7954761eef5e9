"""``--follow``: a run's progress bar (rows and rate) and its log lines as they come."""

from __future__ import annotations

import time

from ductwork_client import RunHandle
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cli import render

POLL_SECONDS = 0.5
LOG_PAGE = 1000
"""Log lines asked for at once while following."""


def follow_run(run: RunHandle, console: Console) -> int:
    """Show the run until it ends; the exit code: 0 when it completed, 1 otherwise."""
    started = time.monotonic()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TextColumn("{task.fields[rate]:>10,.0f} rows/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
        bar = progress.add_task(run.id, total=100, rows=0, rate=0.0)
        for snapshot in run.follow(POLL_SECONDS):
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(
                bar,
                completed=snapshot.percentage,
                rows=snapshot.rows,
                rate=snapshot.rows / elapsed,
                description=f"{run.id} {snapshot.status}",
            )
    seconds = time.monotonic() - started
    if snapshot.status == "COMPLETED":
        console.print(
            f"run {run.id} {render.status(snapshot.status)}: {snapshot.rows:,} rows "
            f"in {seconds:.1f} s"
        )
        return 0
    reason = f" ({snapshot.error})" if snapshot.error else ""
    console.print(f"run {run.id} {render.status(snapshot.status)}{reason}")
    return 1


def follow_logs(run: RunHandle, console: Console, task: str | None) -> None:
    """Print new log lines until the run has ended and its last lines are out.

    Each poll asks only for the lines after a cursor (the logs endpoint's ``after``): the newest
    line printed before the previous poll. That one poll of overlap still catches a line whose
    write committed just after a later line's (parallel steps); lines are printed once, by id.
    """
    settled = 0  # every line up to this id has been printed
    printed: set[int] = set()  # the ids printed after it
    while True:
        finished = run.get().finished
        newest = _print_after(run, console, task, settled, printed)
        if finished:
            return
        settled, printed = newest, {i for i in printed if i > newest}
        time.sleep(POLL_SECONDS)


def _print_after(
    run: RunHandle, console: Console, task: str | None, after: int, printed: set[int]
) -> int:
    """Print the lines after ``after`` not printed yet, a page at a time; the newest id that was
    printed before this call (the next call's cursor)."""
    before = max(printed, default=after)
    while True:
        lines = run.logs(task, lines=LOG_PAGE, after=after)
        for line in lines:
            if line.id not in printed:
                console.print(render.log_line(line))
                if line.id is not None:
                    printed.add(line.id)
        last = lines[-1].id if lines else None
        if last is None or len(lines) < LOG_PAGE:
            return before
        after = last
