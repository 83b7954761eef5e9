"""Goal 1 (a run's fixed cost) and goal 5 (status reads), through the ``make run`` stack.

    python -m bench.fixed_cost [--rows N] [--runs K] [--poll S]

A 10,000-row PostgreSQL → PostgreSQL replace, timed from ``POST /v1/pipelines/{id}/execute``
until a status GET says COMPLETED, next to a plain Temporal SDK workflow that runs the same copy
in one activity on the same dev server (``bench.raw_sdk``), timed from ``start_workflow`` until
its result. The two alternate, K runs each; the table shows p50 and p90. The fastest service
run's workflow history is printed as a timeline: where the milliseconds go.

Status reads: GET of a finished run, and of a running one (a source that sleeps), K each.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import pg_to_pg as pg
from bench.common import ServiceRun, checksum, connection, dsn, fill, pipeline, post, run_to_end
from bench.raw_sdk import CopyJob, RawRun, raw_run, raw_worker
from bench.report import Goal, p50, pct
from bench.stack import RunningStack, make_run_stack

SRC_DB, DST_DB = "dw_fixed_src", "dw_fixed_dst"
FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}
POLL_SECONDS = 0.005
RUN_BAR_SECONDS = 0.150
RUN_BAR_RATIO = 1.5
FINISHED_READ_BAR = 0.005
RUNNING_READ_BAR = 0.015


async def history_timeline(client: Any, workflow_id: str, started: float) -> list[str]:
    """The workflow's events, ms after its start was asked for: where a run's time goes."""
    handle = client.get_workflow_handle(workflow_id)
    lines = []
    previous = started
    async for event in handle.fetch_history_events():
        at = event.event_time.ToDatetime().timestamp()
        kind = event.WhichOneof("attributes") or ""
        name = ""
        if kind == "activity_task_scheduled_event_attributes":
            name = event.activity_task_scheduled_event_attributes.activity_type.name
        elif kind == "marker_recorded_event_attributes":
            name = event.marker_recorded_event_attributes.marker_name
        kind = kind.removesuffix("_event_attributes")
        lines.append(
            f"    {(at - started) * 1000:7.1f} ms  (+{(at - previous) * 1000:5.1f})  "
            f"{kind} {name}".rstrip()
        )
        previous = at
    return lines


async def service_timeline(st: RunningStack, run: ServiceRun) -> list[str]:
    """The service run's history, then when its client saw COMPLETED."""
    lines = await history_timeline(st.client, run.body["workflowId"], run.started)
    gets = run.gets
    lines.append(
        f"    {run.seconds * 1000:7.1f} ms  COMPLETED seen by the client "
        f"({len(gets)} GETs, execute call {run.start_call * 1000:.1f} ms)"
    )
    return lines


async def status_reads(api: Any, execution_id: str, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        asked = time.perf_counter()
        response = await api.get(f"/v1/pipelines/executions/{execution_id}")
        seconds.append(time.perf_counter() - asked)
        if response.status_code != 200:
            raise SystemExit(f"GET {execution_id}: {response.status_code} {response.text}")
    return seconds


async def running_reads(st: RunningStack, src: str, dst: str, count: int) -> list[float]:
    """GETs of a run that is busy (its source sleeps 30 s); it is cancelled afterwards."""
    slow = await pipeline(
        st.api,
        "bench-slow",
        {
            "sources": {
                "src": {"connection": src, "query": "SELECT 1 AS id FROM (SELECT pg_sleep(30)) s"}
            },
            "sinks": {"out": {"connection": dst, "table": "public.slow", "mode": "replace"}},
        },
    )
    submitted = await post(st.api, f"/v1/pipelines/{slow}/execute", {"parameters": {}}, 202)
    execution_id = submitted["executionId"]
    while True:  # until the extract is under way
        body = (await st.api.get(f"/v1/pipelines/executions/{execution_id}")).json()
        if body["progress"].get("currentTask"):
            break
        await asyncio.sleep(0.05)
    try:
        return await status_reads(st.api, execution_id, count)
    finally:
        await post(st.api, f"/v1/pipelines/executions/{execution_id}/cancel", {}, 202)


async def measure(st: RunningStack, rows: int, runs: int, poll: float) -> tuple[Goal, Goal]:
    for name in (SRC_DB, DST_DB):
        await pg.recreate_database(name)
    try:
        await fill(SRC_DB, rows)
        expected = await checksum(SRC_DB, "t")
        src = await connection(st.api, SRC_DB)
        dst = await connection(st.api, DST_DB)
        replace = await pipeline(
            st.api,
            "bench-fixed",
            {
                "sources": {"src": {"connection": src, "table": "public.t"}},
                "sinks": {"out": {"connection": dst, "table": "public.svc", "mode": "replace"}},
            },
        )
        job = CopyJob(dsn(SRC_DB), dsn(DST_DB), "SELECT * FROM t", "raw")
        service: list[ServiceRun] = []
        raw: list[RawRun] = []
        async with raw_worker(st) as queue:
            for _ in range(3):  # warm both paths: connections, caches, the sandbox
                await run_to_end(st.api, replace, poll)
                await raw_run(st.client, queue, job)
            for _ in range(runs):
                service.append(await run_to_end(st.api, replace, poll))
                raw.append(await raw_run(st.client, queue, job))
        for table in ("svc", "raw"):
            got = await checksum(DST_DB, table)
            if got != expected:
                raise SystemExit(f"{table}: rows/checksum {got}, expected {expected}")
        finished = await status_reads(st.api, service[-1].execution_id, max(runs, 50))
        running = await running_reads(st, src, dst, max(runs, 50))
    finally:
        for name in (SRC_DB, DST_DB):
            await pg.drop_database(name)

    svc = [r.seconds for r in service]
    raw_seconds = [r.seconds for r in raw]
    goal1 = Goal(1, f"fixed cost of a run ({rows:,}-row PostgreSQL → PostgreSQL replace)")
    ratio = p50(raw_seconds) / p50(svc)
    goal1.add(
        "p50, execute → COMPLETED seen vs raw SDK",
        f"{p50(svc) * 1000:.0f} ms",
        f"{p50(raw_seconds) * 1000:.0f} ms",
        ratio,
        f"≥ {1 / RUN_BAR_RATIO:.2f} (≤ {RUN_BAR_RATIO}x raw)",
        p50(svc) <= RUN_BAR_RATIO * p50(raw_seconds),
    )
    goal1.add(
        "p50 in absolute terms",
        f"{p50(svc) * 1000:.0f} ms",
        "-",
        None,
        f"≤ {RUN_BAR_SECONDS * 1000:.0f} ms",
        p50(svc) <= RUN_BAR_SECONDS,
    )
    goal1.add(
        "p90 (informative)",
        f"{pct(svc, 0.9) * 1000:.0f} ms",
        f"{pct(raw_seconds, 0.9) * 1000:.0f} ms",
        pct(raw_seconds, 0.9) / pct(svc, 0.9),
        "-",
        None,
    )
    goal1.notes.append(
        f"{runs} runs of each, alternating; status polled every {poll * 1000:.0f} ms; "
        f"target rows and checksum checked ({expected[0]:,} rows)"
    )
    fastest = min(service, key=lambda r: r.seconds)
    goal1.notes.append("fastest service run, its workflow history (ms after the execute call):")
    goal1.notes.extend(await service_timeline(st, fastest))
    fastest_raw = min(raw, key=lambda r: r.seconds)
    goal1.notes.append("fastest raw SDK run, its workflow history (ms after the start call):")
    goal1.notes.extend(
        await history_timeline(st.client, fastest_raw.workflow_id, fastest_raw.started)
    )
    goal1.notes.append(f"    {fastest_raw.seconds * 1000:7.1f} ms  result seen by the client")

    goal5 = Goal(5, "status reads (GET /v1/pipelines/executions/{id})")
    goal5.add(
        "p50, finished run",
        f"{p50(finished) * 1000:.1f} ms",
        "-",
        None,
        f"≤ {FINISHED_READ_BAR * 1000:.0f} ms",
        p50(finished) <= FINISHED_READ_BAR,
    )
    goal5.add(
        "p50, running run",
        f"{p50(running) * 1000:.1f} ms",
        "-",
        None,
        f"≤ {RUNNING_READ_BAR * 1000:.0f} ms",
        p50(running) <= RUNNING_READ_BAR,
    )
    goal5.notes.append(
        f"{len(finished)} and {len(running)} GETs over HTTP keep-alive; p90 "
        f"{pct(finished, 0.9) * 1000:.1f} ms and {pct(running, 0.9) * 1000:.1f} ms"
    )
    return goal1, goal5


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fixed_cost")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--poll", type=float, default=POLL_SECONDS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ductwork-bench-") as tmp:
        async with make_run_stack(Path(tmp)) as st:
            goals = await measure(st, args.rows, args.runs, args.poll)
    for goal in goals:
        goal.print()
    print()
    for goal in goals:
        print(goal.summary())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
