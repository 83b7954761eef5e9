"""``ductwork runs logs --follow`` asks only for the lines after a cursor (the logs endpoint's
``after``), in pages, with one poll of overlap so that a line committed late behind a later one
is still printed, and prints each line once."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from ductwork_client.models import Execution, LogLine
from rich.console import Console

from cli import follow


@dataclass
class FakeRun:
    """A run whose log grows by ``per_poll`` lines at each status read, finished at read
    ``polls``; line ``late`` is seen only from the second read on (its write committed after a
    later line's). It answers ``logs`` as the API does with ``after``."""

    per_poll: int
    polls: int
    late: int
    written: list[LogLine] = field(default_factory=list)
    asked: list[int | None] = field(default_factory=list)
    reads: int = 0

    def get(self) -> Execution:
        self.reads += 1
        start = len(self.written)
        self.written += [
            LogLine(id=start + i + 1, task="run", message=f"line {start + i + 1}")
            for i in range(self.per_poll)
        ]
        status = "COMPLETED" if self.reads >= self.polls else "RUNNING"
        return Execution(execution_id="exec-1", status=status)

    def logs(self, task: str | None = None, lines: int = 100, after: int | None = None):
        assert after is not None, "following must use the cursor"
        self.asked.append(after)
        visible = [x for x in self.written if x.id != self.late or self.reads >= 2]
        return [x for x in visible if (x.id or 0) > after][:lines]


def test_follow_reads_after_a_cursor_and_prints_each_line_once(monkeypatch):
    monkeypatch.setattr(follow, "POLL_SECONDS", 0)
    monkeypatch.setattr(follow, "LOG_PAGE", 4)
    run = FakeRun(per_poll=6, polls=3, late=5)
    out = io.StringIO()
    follow.follow_logs(run, Console(file=out, width=200), None)  # type: ignore[arg-type]
    printed = [int(n) for n in re.findall(r"line (\d+)", out.getvalue())]
    assert sorted(printed) == list(range(1, 19))  # every line once, the late one too
    assert printed.index(5) > printed.index(6)
    # Pages of 4 after a cursor: the newest line printed before the previous poll.
    assert run.asked == [0, 4, 0, 4, 8, 12, 6, 10, 14, 18]
