"""``ductwork runs logs --follow`` asks only for the lines after the last one it printed (the
logs endpoint's ``after`` cursor), in pages, and prints each line once."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from ductwork_client.models import Execution, LogLine
from rich.console import Console

from cli import follow


@dataclass
class FakeRun:
    """A run whose log grows by ``per_poll`` lines between status reads, finished after
    ``polls`` reads; it answers ``logs`` like the API does with ``after``."""

    per_poll: int
    polls: int
    written: list[LogLine] = field(default_factory=list)
    asked: list[tuple[int | None, int]] = field(default_factory=list)
    reads: int = 0

    def get(self) -> Execution:
        self.reads += 1
        start = len(self.written)
        self.written += [
            LogLine(id=start + i + 1, task="run", message=f"line {start + i}")
            for i in range(self.per_poll)
        ]
        status = "COMPLETED" if self.reads >= self.polls else "RUNNING"
        return Execution(execution_id="exec-1", status=status)

    def logs(self, task: str | None = None, lines: int = 100, after: int | None = None):
        self.asked.append((after, lines))
        assert after is not None, "following must use the cursor"
        return [line for line in self.written if (line.id or 0) > after][:lines]


def test_follow_asks_after_the_last_line_and_prints_each_once(monkeypatch):
    monkeypatch.setattr(follow, "POLL_SECONDS", 0)
    monkeypatch.setattr(follow, "LOG_PAGE", 4)
    run = FakeRun(per_poll=6, polls=3)
    out = io.StringIO()
    follow.follow_logs(run, Console(file=out, width=200), None)  # type: ignore[arg-type]
    printed = [line for line in out.getvalue().splitlines() if "line " in line]
    assert len(printed) == 18 and all(f"line {i}" in printed[i] for i in range(18))
    # Each poll: a full page, then the rest; never a line asked for twice.
    assert [after for after, _ in run.asked] == [0, 4, 6, 10, 12, 16]
    assert {lines for _, lines in run.asked} == {4}
