"""``make bench``: the five speed goals on one ``make run`` stack, one table per goal, then one
summary line per goal.

    python -m bench.goals [--quick] [--skip GOAL,...]

1. a run's fixed cost (bench.fixed_cost), 5. status reads (same module),
2. big runs (bench.big_runs), 3. the pair matrix (bench.matrix), 4. many runs (bench.many_runs,
last: it adds a second worker process). ``--quick`` divides the sizes by 10 for a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import big_runs, fixed_cost, many_runs, matrix
from bench.report import Goal
from bench.stack import make_run_stack


async def run(quick: bool, skip: set[str]) -> list[Goal]:
    scale = 10 if quick else 1
    goals: list[Goal] = []
    with tempfile.TemporaryDirectory(prefix="ductwork-bench-") as tmp:
        root = Path(tmp) / "data"
        root.mkdir()
        stack_dir = Path(tmp) / "stack"
        stack_dir.mkdir()
        async with (
            matrix.prepared(
                root, [matrix.ROWS // scale, matrix.ALSO_ROWS // scale], matrix.DLT_ROWS // scale
            ) as places,
            make_run_stack(stack_dir, matrix.confinement_env(root)) as st,
        ):
            steps = [
                ("1", lambda: fixed_cost.measure(st, 10_000, 20, fixed_cost.POLL_SECONDS)),
                ("2", lambda: big_runs.measure(st, 1_000_000 // scale, 5_000_000 // scale, 2)),
                ("3", lambda: matrix.measure(st, places, None, skip_dlt=False)),
                ("4", lambda: many_runs.measure(st, 50, 100)),
            ]
            for number, step in steps:
                if number in skip:
                    continue
                started = time.perf_counter()
                print(f"goal {number}: measuring (load average {os.getloadavg()[0]:.1f})")
                sys.stdout.flush()
                measured = await step()
                found = list(measured) if isinstance(measured, tuple) else [measured]
                goals.extend(found)
                for goal in found:
                    goal.print()
                print(f"  ({time.perf_counter() - started:.0f} s)\n")
    return sorted(goals, key=lambda g: g.number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.goals")
    parser.add_argument("--quick", action="store_true", help="sizes divided by 10")
    parser.add_argument("--skip", default="", help="goal numbers to leave out (1 also skips 5)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    goals = asyncio.run(run(args.quick, {s.strip() for s in args.skip.split(",") if s.strip()}))
    print(
        f"Summary ({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs, "
        f"load average now {os.getloadavg()[0]:.1f}):"
    )
    for goal in goals:
        print(goal.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
