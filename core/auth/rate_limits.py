"""Requests per plan with `limits` moving windows: an hourly budget and a per-second burst.

The storage is ``memory://`` (one process) or Redis (``redis://host:port/db``), in which case
every API process draws on the same budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerSecond
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
        self.storage = storage or open_storage(settings)
        self._limiter = MovingWindowRateLimiter(self.storage)

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


class LoginThrottle:
    """Failed logins, counted per account and address and per address over a moving window
    (``RateLimitSettings.login_failure_*``); a successful login costs nothing, so the people
    behind one address do not lock each other out, and a guesser is held at the account it
    guesses (and, spraying accounts, at its address)."""

    def __init__(self, settings: RateLimitSettings, storage: Storage) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        window = settings.login_failure_window_seconds
        # "N per <window> seconds": limits' per-second item with a multiple.
        self._per_account = RateLimitItemPerSecond(settings.login_failures_per_account, window)
        self._per_address = RateLimitItemPerSecond(settings.login_failures_per_address, window)

    def _buckets(self, account: str, address: str) -> list[tuple[RateLimitItem, str]]:
        account = account.strip().lower()
        return [
            (self._per_account, f"login-failures:{address}:{account}"),
            (self._per_address, f"login-failures:{address}"),
        ]

    async def retry_after(self, account: str, address: str) -> int:
        """0 when one more attempt may be made; else the seconds until one may."""
        wait = 0.0
        for item, bucket in self._buckets(account, address):
            if not await self._limiter.test(item, bucket):
                stats = await self._limiter.get_window_stats(item, bucket)
                wait = max(wait, stats.reset_time - time.time())
        return max(1, int(wait) + 1) if wait > 0 else 0

    async def failed(self, account: str, address: str) -> None:
        for item, bucket in self._buckets(account, address):
            await self._limiter.hit(item, bucket)
