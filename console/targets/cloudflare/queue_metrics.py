"""Live backlog of every queue from ``GET /accounts/{a}/queues/{q}/metrics`` (``queues.get_metrics``).

The endpoint is best effort and current, where GraphQL's backlog is a per-minute average that lags;
this is the number the console's backlog column and chart show.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Mapping

from console.model import QueueState
from console.sources.base import Contribution
from console.targets.cloudflare.client import Credentials, acall
from console.targets.cloudflare.throttle import ApiGate, PacedSource

DEFAULT_INTERVAL_S = 10.0
MAX_REQUESTS_PER_5_MIN = 300  # a quarter of the account's ~1,200: the rest is for deploys, wrangler, people


class QueueMetricsSource(PacedSource):
    name = "cloudflare:queues"

    def __init__(self, creds: Credentials, client: Any, queue_ids: Mapping[str, str], gate: ApiGate,
                 min_interval: float | None = None, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        super().__init__(gate, clock)
        self.creds = creds
        self.client = client
        self.queue_ids = dict(queue_ids)  # queue name -> id
        # one request per queue per poll: many queues stretch the interval so the budget share stays put
        self.min_interval = min_interval if min_interval is not None else max(
            DEFAULT_INTERVAL_S, 300.0 * len(self.queue_ids) / MAX_REQUESTS_PER_5_MIN)
        self.wall = wall

    async def _one(self, name: str, queue_id: str) -> QueueState:
        self.requests += 1
        reply = await acall(self.creds, f"read metrics of queue {name}", self.client.queues.with_raw_response.get_metrics,
                            queue_id=queue_id, account_id=self.creds.account_id)
        metrics = reply.result or {}
        oldest_ms = metrics.get("oldest_message_timestamp_ms") or 0
        age = max(0.0, self.wall() - oldest_ms / 1000) if oldest_ms > 0 else None  # 0 means unknown
        return QueueState(
            name=name,
            backlog_count=_int(metrics.get("backlog_count")),
            backlog_bytes=_int(metrics.get("backlog_bytes")),
            oldest_message_age_s=age,
        )

    async def fetch(self) -> Contribution:
        # all answers are awaited before an error is raised, so no request is left running behind it
        results = await asyncio.gather(*(self._one(n, q) for n, q in self.queue_ids.items()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return Contribution(queues=tuple(r for r in results if isinstance(r, QueueState)))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
