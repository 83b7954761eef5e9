"""What a continuous run carries from one workflow run to the next (continue-as-new), and the
stream status its progress query shows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from workflows.payloads import RunInput, RunPlan, StepResult

RATE_WINDOW = 10  # the batches messages/s is measured over


@dataclass
class StreamState:
    batches: int = 0  # micro-batches done (loaded, or found nothing new)
    loaded_batches: int = 0
    messages: int = 0  # messages loaded since the run started
    next_offsets: dict[str, int] = field(default_factory=dict)  # "topic/partition": next to read
    lag: dict[str, int] = field(default_factory=dict)  # messages behind each partition's end
    window: list[tuple[float, int]] = field(default_factory=list)  # (seconds, messages) a batch
    paused: bool = False
    last_batch_at: str | None = None

    def observe(self, results: list[StepResult], loaded: int, seconds: float, now: str) -> None:
        """A micro-batch ended: where its reads ended, how far behind, how fast."""
        for result in results:
            if not result.detail:
                continue
            read = json.loads(result.detail)
            self.next_offsets.update(read.get("next", {}))
            self.lag.update(read.get("lag", {}))
        self.batches += 1
        self.loaded_batches += 1 if loaded else 0
        self.messages += loaded
        self.window = [*self.window, (seconds, loaded)][-RATE_WINDOW:]
        self.last_batch_at = now

    @property
    def messages_per_second(self) -> float:
        seconds = sum(s for s, _ in self.window)
        return round(sum(m for _, m in self.window) / seconds, 1) if seconds > 0 else 0.0

    def status(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "loaded_batches": self.loaded_batches,
            "messages_loaded": self.messages,
            "messages_per_second": self.messages_per_second,
            "lag": dict(sorted(self.lag.items())),
            "total_lag": sum(self.lag.values()),
            "committed_offsets": dict(sorted(self.next_offsets.items())),
            "paused": self.paused,
            "last_batch_at": self.last_batch_at,
        }


@dataclass
class StreamInput:
    run: RunInput
    plan: RunPlan | None = None  # None: the run's first workflow, which plans it
    state: StreamState = field(default_factory=StreamState)
