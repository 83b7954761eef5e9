"""Requests per plan with `limits` moving windows: an hourly budget and a per-second burst.

The storage is ``memory://`` (one process) or Redis (``redis://host:port/db``), in which case
every API process draws on the same budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItemPerHour, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from core.settings import PlanLimits, RateLimitSettings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int  # requests per hour of the plan
    remaining: int
    reset: int  # epoch seconds when the hourly window frees a request again
    retry_after: int  # seconds; 0 when allowed

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def open_storage(settings: RateLimitSettings) -> Storage:
    url = settings.storage_url
    if not url.startswith("async+"):
        url = f"async+{url}"
    # An "async+" scheme makes limits return its asyncio storage (its factory types the union).
    if url.startswith(("async+redis", "async+rediss")):
        # redis-py is installed (coredis, limits' default client, is not).
        storage = storage_from_string(url, implementation="redispy", key_prefix=settings.key_prefix)
    else:
        storage = storage_from_string(url)
    return cast(Storage, storage)


class RateLimiter:
    def __init__(self, settings: RateLimitSettings, storage: Storage | None = None) -> None:
        self.settings = settings
        self._limiter = MovingWindowRateLimiter(storage or open_storage(settings))

    def plan(self, name: str | None) -> PlanLimits:
        plans = self.settings.plans
        return (
            plans.get(name or "")
            or plans.get(self.settings.default_plan)
            or PlanLimits(per_hour=100, burst=10)
        )

    async def hit(self, bucket: str, plan_name: str | None) -> Decision:
        """Count one request of ``bucket`` (a tenant or an address) against its plan."""
        plan = self.plan(plan_name)
        hourly = RateLimitItemPerHour(plan.per_hour)
        burst = RateLimitItemPerSecond(plan.burst)
        # The burst is checked first so that a refused burst does not use the hourly budget.
        allowed = await self._limiter.hit(burst, bucket) and await self._limiter.hit(hourly, bucket)
        stats = await self._limiter.get_window_stats(hourly, bucket)
        now = time.time()
        reset = int(stats.reset_time) if stats.remaining < plan.per_hour else int(now) + 3600
        retry_after = 0
        if not allowed:
            retry_after = 1 if stats.remaining > 0 else max(1, int(stats.reset_time - now) + 1)
        return Decision(allowed, plan.per_hour, stats.remaining, reset, retry_after)
