"""One table per goal (figure, baseline, ratio, bar) and one summary line per goal."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def p50(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class Row:
    label: str
    figure: str  # what the service did, with its unit
    baseline: str  # the same measured on the baseline path
    ratio: float | None  # as the bar reads it (higher is better unless ``lower`` on the check)
    bar: str  # the bar, in words
    met: bool | None  # None: informative, not a goal
    beside: str = ""  # a further figure, in a last column (e.g. the ratio at another size)


@dataclass
class Goal:
    number: int
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    beside: str = ""  # the title of the rows' last column, when they fill it

    def add(
        self,
        label: str,
        figure: str,
        baseline: str,
        ratio: float | None,
        bar: str,
        met: bool | None,
    ) -> None:
        self.rows.append(Row(label, figure, baseline, ratio, bar, met))

    @property
    def met(self) -> bool:
        return all(r.met is not False for r in self.rows) and any(
            r.met is not None for r in self.rows
        )

    def print(self) -> None:
        print(f"\nGoal {self.number}: {self.title}")
        widths = [44, 22, 22, 7, 24, 7]
        head = ["", "figure", "baseline", "ratio", "bar", ""]
        if self.beside:
            widths.append(32)
            head.append(self.beside)
        print("  " + " ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        print("  " + "-" * (sum(widths) + len(widths)))
        for r in self.rows:
            # Rounded down, so a ratio shown at the bar has reached it.
            ratio = f"{math.floor(r.ratio * 100) / 100:.2f}" if r.ratio is not None else "-"
            verdict = {True: "met", False: "NOT MET", None: ""}[r.met]
            cells = [r.label, r.figure, r.baseline, ratio, r.bar, verdict]
            if self.beside:
                cells.append(r.beside)
            print("  " + " ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
        for note in self.notes:
            print(f"  {note}")

    def summary(self) -> str:
        missed = [r for r in self.rows if r.met is False]
        if not any(r.met is not None for r in self.rows):
            return f"goal {self.number} ({self.title}): not measured"
        if not missed:
            figures = "; ".join(f"{r.label} {r.figure}" for r in self.rows if r.met)
            return f"goal {self.number} ({self.title}): met ({figures})"
        figures = "; ".join(f"{r.label} {r.figure} vs bar {r.bar}" for r in missed)
        return f"goal {self.number} ({self.title}): NOT MET ({figures})"
