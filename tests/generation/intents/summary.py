"""One line per intent set from the JSON reports in a folder (``make intents`` writes them):
``python -m tests.generation.intents.summary <folder>``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ("correct", "needs_review", "silently_wrong")


def lines(folder: Path) -> list[str]:
    reports = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    width = max((len(r["suite"]) for r in reports), default=5)
    out = [f"{'set':{width}}  total  " + "  ".join(COLUMNS) + "  share correct"]
    for report in reports:
        counts = report["counts"]
        share = counts["correct"] / counts["total"] if counts["total"] else 0.0
        figures = "  ".join(f"{counts[name]:{len(name)}}" for name in COLUMNS)
        out.append(f"{report['suite']:{width}}  {counts['total']:5}  {figures}  {share:13.0%}")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python -m tests.generation.intents.summary <folder of reports>")
        return 2
    print("\n".join(lines(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
