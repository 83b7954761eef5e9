"""Goal 4: many small runs at once through the ``make run`` stack.

    python -m bench.many_runs [--runs N] [--rows R]

N pipelines (50), each copying R rows (100) PostgreSQL → PostgreSQL into a table of its own,
are started together:

- through the API: N concurrent ``POST /v1/pipelines/{id}/execute``;
- through the SDK: the same workflows (PipelineRunWorkflow) started with ``client.start_workflow``
  as the service starts them (``services.runs.start``), their execution rows written to the
  store beforehand, untimed.

Each burst is timed from the first start until every workflow's result is in (awaited through
Temporal, so no status polling loads the API); runs/s = N / that time. Start latency is each
start call's own time within the burst. Then a second worker process joins the task queue and
the API burst runs again. Every run must complete and every target hold R rows with the
source's checksum.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import pg_to_pg as pg
from bench.common import checksum, connection, fill, pipeline, post
from bench.report import Goal, pct
from bench.stack import RunningStack, make_run_stack

SRC_DB, DST_DB = "dw_many_src", "dw_many_dst"
RUNS_BAR = 0.8
START_BAR = 1.5


@dataclass
class Burst:
    seconds: float
    starts: list[float]  # seconds of each start call
    api_cpu: float | None = None  # the API process's CPU seconds over the start calls

    def runs_per_second(self, runs: int) -> float:
        return runs / self.seconds


def cpu_seconds(process: Any) -> float:
    """A process's CPU seconds so far (user and system), e.g. the API's (``psutil``)."""
    times = process.cpu_times()
    return float(times.user + times.system)


async def wait_all(st: RunningStack, workflow_ids: list[str]) -> None:
    results = await asyncio.gather(
        *(st.client.get_workflow_handle(w).result() for w in workflow_ids)
    )
    failed = [r for r in results if r["status"] != "COMPLETED"]
    if failed:
        raise SystemExit(f"{len(failed)} runs did not complete: {failed[:3]}")


async def api_burst(st: RunningStack, pipelines: list[str]) -> Burst:
    async def start(pipeline_id: str) -> tuple[float, str]:
        asked = time.perf_counter()
        body = await post(st.api, f"/v1/pipelines/{pipeline_id}/execute", {"parameters": {}}, 202)
        return time.perf_counter() - asked, str(body["workflowId"])

    cpu_before = cpu_seconds(st.api_process)
    began = time.perf_counter()
    started = await asyncio.gather(*(start(p) for p in pipelines))
    api_cpu = cpu_seconds(st.api_process) - cpu_before
    await wait_all(st, [w for _, w in started])
    return Burst(time.perf_counter() - began, [s for s, _ in started], api_cpu)


async def sdk_burst(st: RunningStack, db: Any, pipelines: list[str]) -> Burst:
    from core.settings import Settings
    from services import runs
    from store import runs as run_store
    from store.models import Execution, Pipeline, utcnow

    settings = Settings.model_validate({"temporal": {"task_queue": st.task_queue}})
    prepared: list[tuple[Execution, Pipeline]] = []
    async with db.session() as session:
        for pipeline_id in pipelines:
            row = await session.get(Pipeline, pipeline_id)
            assert row is not None
            execution_id = f"exec-{uuid.uuid4().hex}"
            execution = Execution(
                id=execution_id,
                tenant_id=row.tenant_id,
                pipeline_id=row.id,
                pipeline_version=row.current_version,
                workflow_id=runs.workflow_id(row.tenant_id, execution_id),
                status="QUEUED",
                priority="NORMAL",
                parameters={},
                submitted_at=utcnow(),
            )
            await run_store.create(session, execution)
            prepared.append((execution, row))

    async def start(execution: Execution, row: Pipeline) -> float:
        asked = time.perf_counter()
        await runs.start(st.client, settings, execution, row)
        return time.perf_counter() - asked

    began = time.perf_counter()
    starts = await asyncio.gather(*(start(e, p) for e, p in prepared))
    await wait_all(st, [e.workflow_id for e, _ in prepared])
    return Burst(time.perf_counter() - began, list(starts))


def sink(connection_id: str, index: int) -> dict:
    return {"connection": connection_id, "table": f"public.out_{index}", "mode": "replace"}


async def check_targets(count: int, expected: tuple[int, int]) -> None:
    for index in range(count):
        got = await checksum(DST_DB, f"out_{index}")
        if got != expected:
            raise SystemExit(f"out_{index}: rows/checksum {got}, expected {expected}")


async def measure(st: RunningStack, count: int, rows: int) -> Goal:
    from store.db import Database

    for name in (SRC_DB, DST_DB):
        await pg.recreate_database(name)
    db = Database(f"sqlite+aiosqlite:///{st.data_dir / 'ductwork.db'}")
    goal = Goal(4, f"{count} small runs started together ({rows} rows each)")
    try:
        await fill(SRC_DB, rows)
        expected = await checksum(SRC_DB, "t")
        src = await connection(st.api, SRC_DB)
        dst = await connection(st.api, DST_DB)
        pipelines = [
            await pipeline(
                st.api,
                f"many-{index}",
                {
                    "sources": {"src": {"connection": src, "table": "public.t"}},
                    "sinks": {"out": sink(dst, index)},
                },
            )
            for index in range(count)
        ]
        await api_burst(st, pipelines[:5])  # warm up: worker caches, connections
        api = await api_burst(st, pipelines)
        await check_targets(count, expected)
        sdk = await sdk_burst(st, db, pipelines)
        await check_targets(count, expected)
        await st.add_worker()
        api_two = await api_burst(st, pipelines)
        await check_targets(count, expected)
        sdk_two = await sdk_burst(st, db, pipelines)
        await check_targets(count, expected)
    finally:
        await db.dispose()
        for name in (SRC_DB, DST_DB):
            await pg.drop_database(name)

    ratio = api.runs_per_second(count) / sdk.runs_per_second(count)
    goal.add(
        "runs/s, API vs SDK (1 worker)",
        f"{api.runs_per_second(count):.1f} runs/s",
        f"{sdk.runs_per_second(count):.1f} runs/s",
        ratio,
        f"≥ {RUNS_BAR}",
        ratio >= RUNS_BAR,
    )
    api_p99, sdk_p99 = pct(api.starts, 0.99), pct(sdk.starts, 0.99)
    goal.add(
        "start call p99, API vs SDK",
        f"{api_p99 * 1000:.0f} ms",
        f"{sdk_p99 * 1000:.0f} ms",
        sdk_p99 / api_p99,
        f"≥ {1 / START_BAR:.2f} (≤ {START_BAR}x SDK)",
        api_p99 <= START_BAR * sdk_p99,
    )
    two = api_two.runs_per_second(count) / api.runs_per_second(count)
    goal.add(
        "runs/s, 2 worker processes vs 1 (API)",
        f"{api_two.runs_per_second(count):.1f} runs/s",
        f"{api.runs_per_second(count):.1f} runs/s",
        two,
        "> 1.0",
        two > 1.0,
    )
    goal.add(
        "runs/s, 2 worker processes vs 1 (SDK, informative)",
        f"{sdk_two.runs_per_second(count):.1f} runs/s",
        f"{sdk.runs_per_second(count):.1f} runs/s",
        sdk_two.runs_per_second(count) / sdk.runs_per_second(count),
        "-",
        None,
    )
    goal.notes.append(
        f"no failed run; every target checked ({expected[0]} rows, checksum); "
        f"start p50 API {pct(api.starts, 0.5) * 1000:.0f} ms, "
        f"SDK {pct(sdk.starts, 0.5) * 1000:.0f} ms"
    )
    assert api.api_cpu is not None
    goal.notes.append(
        f"API CPU per start: {api.api_cpu / count * 1000:.1f} ms (the API process's CPU "
        f"seconds over the 1-worker burst's {count} start calls, divided by {count}): a "
        "burst's last answer waits for the CPU of the calls before it"
    )
    return goal


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.many_runs")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rows", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ductwork-bench-") as tmp:
        async with make_run_stack(Path(tmp)) as st:
            goal = await measure(st, args.runs, args.rows)
    goal.print()
    print()
    print(goal.summary())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
