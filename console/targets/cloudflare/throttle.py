"""Keeping the console's Cloudflare sources inside the account's API budget.

The account API allows about 1,200 requests per 5 minutes, shared with wrangler, the dashboard and
everything else using the account. Each source asks at most once per ``min_interval`` (between asks it
hands back its last answer), and all sources of a target share one ``ApiGate``: after a 429 every
source waits out the ``Retry-After`` before asking again, and says so in its error.
"""

from __future__ import annotations

import time
from typing import Callable

from console.sources.base import Contribution, SourceError
from console.targets.cloudflare.client import CloudflareError, RateLimited

BACKOFF_FIRST_S = 30.0  # after a 429 without Retry-After
BACKOFF_MAX_S = 300.0  # the budget's own window: waiting longer never helps


class ApiGate:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.until = 0.0
        self.reason = ""
        self.strikes = 0

    def check(self) -> None:
        wait = self.until - self.clock()
        if wait > 0:
            raise SourceError(f"{self.reason}; next try in {wait:.0f}s")

    def rate_limited(self, exc: RateLimited) -> str:
        if exc.retry_after is not None:
            wait = min(exc.retry_after, BACKOFF_MAX_S)
            self.reason = f"rate limited by the Cloudflare API (429, Retry-After {exc.retry_after:.0f}s)"
        else:
            wait = min(BACKOFF_FIRST_S * 2 ** self.strikes, BACKOFF_MAX_S)
            self.reason = "rate limited by the Cloudflare API (429, no Retry-After)"
        self.strikes += 1
        self.until = self.clock() + wait
        return f"{self.reason}; next try in {wait:.0f}s"

    def ok(self) -> None:
        self.strikes = 0


class PacedSource:
    """A source that asks Cloudflare at most every ``min_interval`` seconds through a shared gate."""

    name: str
    min_interval: float

    def __init__(self, gate: ApiGate, clock: Callable[[], float] = time.monotonic) -> None:
        self.gate = gate
        self.clock = clock
        self.requests = 0  # requests made, for the API budget benchmark
        self._last: Contribution | None = None
        self._at = 0.0

    async def fetch(self) -> Contribution:
        raise NotImplementedError

    async def poll(self) -> Contribution:
        self.gate.check()
        now = self.clock()
        if self._last is not None and now - self._at < self.min_interval:
            return self._last
        try:
            contribution = await self.fetch()
        except RateLimited as exc:
            raise SourceError(self.gate.rate_limited(exc)) from None
        except CloudflareError as exc:
            raise SourceError(str(exc)) from None
        self.gate.ok()
        self._last, self._at = contribution, now
        return contribution

