"""The console source over the GraphQL analytics: queue outcomes as the queue counters, worker errors,
exceeded-memory and CPU figures as stats.

On this target these counters are Cloudflare's own count, and they take the place of the ops store's
(the session merges target sources last): a consumer killed for exceeding memory never gets to record
its retry in the ops store, but Cloudflare counts it.

Counters are sums since a fixed start (the session's start less a lookback, or the deploy when that is
later), so they only grow and the console's rates come out right. When the window grows past
``MAX_WINDOW_S`` it starts again, which the console's series read as a counter reset.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping

import httpx

from console.model import QueueState, StatValue
from console.sources.base import Contribution
from console.targets.cloudflare import graphql
from console.targets.cloudflare.client import Credentials
from console.targets.cloudflare.throttle import ApiGate, PacedSource

DEFAULT_INTERVAL_S = 60.0  # the datasets are per minute: asking more often only spends budget
LOOKBACK_S = 3600.0
MAX_WINDOW_S = 3 * 86400.0


class AnalyticsSource(PacedSource):
    name = "cloudflare:analytics"

    def __init__(self, creds: Credentials, http: httpx.AsyncClient, queue_ids: Mapping[str, str],
                 scripts: Mapping[str, str], gate: ApiGate, *, deployed_at: float | None = None,
                 min_interval: float = DEFAULT_INTERVAL_S, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        super().__init__(gate, clock)
        self.creds = creds
        self.http = http
        self.queue_ids = dict(queue_ids)  # queue name -> id
        self.scripts = dict(scripts)  # block -> script name
        self.min_interval = min_interval
        self.wall = wall
        start = wall() - LOOKBACK_S
        self.since = max(start, deployed_at) if deployed_at else start

    async def fetch(self) -> Contribution:
        until = self.wall()
        if until - self.since > MAX_WINDOW_S:
            self.since = until - LOOKBACK_S
        self.requests += 1
        result = await graphql.fetch(self.http, self.creds, list(self.queue_ids.values()),
                                     list(self.scripts.values()), self.since, until)
        queues, stats = [], []
        for name, queue_id in self.queue_ids.items():
            q = result.queues.get(queue_id, graphql.QueueAnalytics())
            queues.append(QueueState(name=name, acked=q.acked, retried=q.retried, dead_lettered=q.dead_lettered,
                                     dropped=q.failed))
            label = f"queue {name} (analytics)"
            stats.append(StatValue(label, "sent", q.writes))
            if q.backlog_avg is not None:
                stats.append(StatValue(label, "backlog_avg_5m", q.backlog_avg))
            if q.concurrency_avg is not None:
                stats.append(StatValue(label, "consumer_concurrency", q.concurrency_avg))
        for block, script in self.scripts.items():
            w = result.workers.get(script, graphql.WorkerAnalytics())
            label = f"{block} (analytics)"
            stats += [StatValue(label, "requests", w.requests), StatValue(label, "errors", w.errors),
                      StatValue(label, "exceeded_memory", w.exceeded_memory),
                      StatValue(label, "exceeded_cpu", w.exceeded_cpu)]
            if w.cpu_p50_us is not None:
                stats.append(StatValue(label, "cpu_p50_ms", round(w.cpu_p50_us / 1000, 2)))
            if w.cpu_p99_us is not None:
                stats.append(StatValue(label, "cpu_p99_ms", round(w.cpu_p99_us / 1000, 2)))
        return Contribution(queues=tuple(queues), stats=tuple(stats))
