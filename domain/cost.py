"""Cost estimates from measured work: step time, bytes moved and loaded, LLM tokens.

Every figure is an estimate: the measured quantities of a run priced at the configured rates
(``DUCTWORK_COST__*``), not a bill. Compute is the time the run's steps (activities) ran;
network the bytes read out of the sources; storage the bytes loaded into targets, kept for a
month; LLM the tokens of the generations that produced the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.settings import CostSettings
from store.models import Execution, RunStep

GB = 1024**3
ESTIMATE_NOTE = (
    "estimate: measured step time, bytes and tokens priced at the configured rates "
    "(DUCTWORK_COST__*), not a bill"
)


@dataclass
class Measured:
    """What one run (or several, summed) did."""

    compute_seconds: float = 0.0
    bytes_extracted: int = 0
    bytes_loaded: int = 0
    rows_extracted: int = 0
    rows_loaded: int = 0
    llm_tokens: int = 0

    def __add__(self, other: Measured) -> Measured:
        return Measured(
            self.compute_seconds + other.compute_seconds,
            self.bytes_extracted + other.bytes_extracted,
            self.bytes_loaded + other.bytes_loaded,
            self.rows_extracted + other.rows_extracted,
            self.rows_loaded + other.rows_loaded,
            self.llm_tokens + other.llm_tokens,
        )


@dataclass
class Cost:
    compute: float = 0.0
    storage: float = 0.0
    network: float = 0.0
    llm: float = 0.0

    @property
    def total(self) -> float:
        return self.compute + self.storage + self.network + self.llm

    def rounded(self) -> dict[str, float]:
        return {
            "compute": usd(self.compute),
            "storage": usd(self.storage),
            "network": usd(self.network),
            "llm": usd(self.llm),
        }


def usd(value: float) -> float:
    return round(value, 10)  # small runs cost fractions of a micro-dollar


def measure(execution: Execution, steps: Iterable[RunStep]) -> Measured:
    """The work a run did, from its recorded steps."""
    steps = list(steps)
    seconds = sum(
        (s.finished_at - s.started_at).total_seconds() for s in steps if s.finished_at is not None
    )
    if not steps and execution.started_at and execution.finished_at:
        seconds = (execution.finished_at - execution.started_at).total_seconds()
    extracts = [s for s in steps if s.kind == "extract"]
    loads = [s for s in steps if s.kind == "load"]
    rows_extracted = sum(s.rows for s in extracts)
    bytes_extracted = sum(s.bytes for s in extracts)
    rows_loaded = sum(s.rows for s in loads)
    bytes_loaded = sum(s.bytes for s in loads)
    if not bytes_loaded and rows_loaded and rows_extracted:
        # Loads count rows, not bytes: size them like the extracted rows.
        bytes_loaded = round(rows_loaded * bytes_extracted / rows_extracted)
    return Measured(
        compute_seconds=max(seconds, 0.0),
        bytes_extracted=bytes_extracted,
        bytes_loaded=bytes_loaded,
        rows_extracted=rows_extracted,
        rows_loaded=rows_loaded,
    )


def price(measured: Measured, rates: CostSettings, llm_usd_per_1k: float | None = None) -> Cost:
    llm_rate = llm_usd_per_1k if llm_usd_per_1k else rates.llm_usd_per_1k_tokens
    return Cost(
        compute=measured.compute_seconds / 3600 * rates.compute_usd_per_hour,
        storage=measured.bytes_loaded / GB * rates.storage_usd_per_gb_month,
        network=measured.bytes_extracted / GB * rates.network_usd_per_gb,
        llm=measured.llm_tokens / 1000 * llm_rate,
    )


def trend(costs: list[float], threshold: float) -> str:
    """``increasing``, ``decreasing`` or ``stable``: the later half of the runs' mean cost
    against the earlier half's; ``insufficient_data`` below two runs."""
    if len(costs) < 2:
        return "insufficient_data"
    half = len(costs) // 2
    earlier = sum(costs[:half]) / half
    later = sum(costs[half:]) / (len(costs) - half)
    if earlier == 0:
        return "stable" if later == 0 else "increasing"
    change = (later - earlier) / earlier
    if change > threshold:
        return "increasing"
    if change < -threshold:
        return "decreasing"
    return "stable"
