"""The console's sources over the GraphQL analytics, one per dataset, so one failing dataset marks only
itself down (its name is in the source's name) and the others keep their figures.

- ``graphql:queueMessageOperationsAdaptiveGroups``: queue outcomes as the queue counters. On this target
  they are Cloudflare's own count and take the place of the ops store's (the session merges target
  sources last): a consumer killed for exceeding memory never gets to record its retry, Cloudflare counts it.
- ``graphql:queueBacklogAdaptiveGroups`` and ``graphql:queueConsumerMetricsAdaptiveGroups``: the average
  backlog and consumer concurrency of the last five minutes.
- ``graphql:workersInvocationsAdaptive``: each worker's requests, errors by documented status and CPU
  time, as the worker's own ``Invocations``.

Counters are sums since a fixed start (the session's start less an hour, or the deploy when later), so
they only grow and the console's rates come out right; when the window would pass what the dataset
allows (its ``settings`` limits) it starts again, which the series read as a counter reset. The first
answer of each source is grouped by minute, and those minutes fill the console's charts from before it
started.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any, Callable, Mapping, Sequence

import httpx

from console.model import Health, Invocations, QueueState, StatValue, WorkerState
from console.sources.base import Contribution
from console.targets.cloudflare import graphql
from console.targets.cloudflare.client import CloudflareError, Credentials
from console.targets.cloudflare.throttle import ApiGate, PacedSource

DEFAULT_INTERVAL_S = 60.0  # the datasets are per minute: asking more often only spends budget
LOOKBACK_S = 3600.0
RECENT_S = 300.0

Backfill = list[tuple[str, float, float]]


class SharedLimits:
    """The datasets' limits, asked once per session by whichever source needs them first."""

    def __init__(self, http: httpx.AsyncClient, creds: Credentials) -> None:
        self.http, self.creds = http, creds
        self._value: dict[str, graphql.Limits] | None = None
        self._lock = asyncio.Lock()

    async def of(self, dataset: graphql.Dataset) -> graphql.Limits:
        async with self._lock:
            if self._value is None:
                self._value = await graphql.limits(self.http, self.creds)
        return self._value[dataset.name]


class DatasetSource(PacedSource):
    dataset: graphql.Dataset

    def __init__(self, creds: Credentials, http: httpx.AsyncClient, subjects: Mapping[str, str], gate: ApiGate,
                 limits: SharedLimits, *, deployed_at: float | None = None, min_interval: float = DEFAULT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        super().__init__(gate, clock)
        self.name = f"graphql:{self.dataset.name}"
        self.creds, self.http, self.limits = creds, http, limits
        self.subjects = dict(subjects)  # queue name -> queue id, or block -> script name
        self.min_interval = min_interval
        self.wall = wall
        self.deployed_at = deployed_at
        self.since: float | None = None
        self.filled = False  # the first answer (by minute, for the charts) has been read

    async def fetch(self) -> Contribution:
        limits = await self.limits.of(self.dataset)
        if not limits.enabled:
            raise CloudflareError(f"{self.dataset.name}: not available to this account or token "
                                  "(the analytics settings say enabled: false)")
        until = self.wall()
        widest = min(LOOKBACK_S, limits.window_s)
        if self.since is None or until - self.since > limits.window_s:
            start = until - widest
            since = max(start, self.deployed_at) if self.deployed_at and self.deployed_at < until else start
            self.since = since - since % 60  # on a minute, so the by-minute first answer and later totals agree
        if self.filled:
            since = until - min(RECENT_S, widest) if self.dataset.average else self.since
        else:
            since = until - widest  # the charts' hour, from before a redeploy too
        self.requests += 1
        found = await graphql.rows(self.http, self.creds, self.dataset, list(self.subjects.values()), since, until,
                                   by_minute=not self.filled)
        contribution = self.read(found, by_minute=not self.filled, until=until)
        self.filled = True
        return contribution

    def read(self, rows: Sequence[Mapping[str, Any]], *, by_minute: bool, until: float) -> Contribution:
        raise NotImplementedError

    def counted(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The rows inside the counters' window (the first answer reaches further back, for the charts)."""
        since = self.since or 0.0
        return [r for r in rows if (minute_of(r) or since) >= since]

    def by_subject(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
        key = "queueId" if self.dataset.subject == "queue" else "scriptName"
        grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            grouped[str((row.get("dimensions") or {}).get(key, ""))].append(row)
        return grouped


def minute_of(row: Mapping[str, Any]) -> float | None:
    return graphql.epoch((row.get("dimensions") or {}).get("datetimeMinute", ""))


def minutes(rows: Sequence[Mapping[str, Any]]) -> list[tuple[float, list[Mapping[str, Any]]]]:
    """Rows grouped by their ``datetimeMinute``, oldest first; rows without one are left out."""
    grouped: dict[float, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        at = minute_of(row)
        if at is not None:
            grouped[at].append(row)
    return sorted(grouped.items())


class QueueOutcomesSource(DatasetSource):
    dataset = graphql.QUEUE_OPERATIONS

    def read(self, rows: Sequence[Mapping[str, Any]], *, by_minute: bool, until: float) -> Contribution:
        grouped = self.by_subject(rows)
        queues, stats, backfill = [], [], []
        for name, queue_id in self.subjects.items():
            q = graphql.QueueOutcomes()
            for at, group in minutes(grouped.get(queue_id, [])) if by_minute else []:
                for row in group:
                    q.add(row)
                backfill += [(f"queue:{name}:acked", at, q.acked), (f"queue:{name}:retried", at, q.retried),
                             (f"queue:{name}:dead", at, q.dead_lettered), (f"queue:{name}:dropped", at, q.failed)]
            q = graphql.QueueOutcomes()
            for row in self.counted(grouped.get(queue_id, [])):
                q.add(row)
            queues.append(QueueState(name=name, acked=q.acked, retried=q.retried, dead_lettered=q.dead_lettered,
                                     dropped=q.failed))
            stats.append(StatValue(f"queue {name} (analytics)", "sent", q.writes))
        return Contribution(queues=tuple(queues), stats=tuple(stats), backfill=tuple(backfill))


class QueueLevelSource(DatasetSource):
    """An average level per queue (backlog, concurrency): the last five minutes' mean as a stat."""

    stat: str
    field: str
    history: str | None = None  # the chart series its minutes fill, if any

    def read(self, rows: Sequence[Mapping[str, Any]], *, by_minute: bool, until: float) -> Contribution:
        grouped = self.by_subject(rows)
        stats, backfill = [], []
        for name, queue_id in self.subjects.items():
            found = grouped.get(queue_id, [])
            if by_minute:
                levels = [(at, self.level(group)) for at, group in minutes(found)]
                levels = [(at, v) for at, v in levels if v is not None]
                if self.history:
                    backfill += [(self.history.format(name=name), at, v) for at, v in levels]
                recent = [v for at, v in levels if at >= until - RECENT_S]
                value = sum(recent) / len(recent) if recent else None
            else:
                value = self.level(found)
            if value is not None:
                stats.append(StatValue(f"queue {name} (analytics)", self.stat, value))
        return Contribution(stats=tuple(stats), backfill=tuple(backfill))

    def level(self, rows: Sequence[Mapping[str, Any]]) -> float | None:
        values = [graphql.number((row.get("avg") or {}).get(self.field)) for row in rows]
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None


class QueueBacklogSource(QueueLevelSource):
    dataset = graphql.QUEUE_BACKLOG
    stat, field, history = "backlog_avg_5m", "messages", "queue:{name}:backlog"


class ConsumerConcurrencySource(QueueLevelSource):
    dataset = graphql.CONSUMER_CONCURRENCY
    stat, field = "consumer_concurrency", "concurrency"


class InvocationsSource(DatasetSource):
    dataset = graphql.INVOCATIONS

    def read(self, rows: Sequence[Mapping[str, Any]], *, by_minute: bool, until: float) -> Contribution:
        grouped = self.by_subject(rows)
        workers, backfill = [], []
        for block, script in self.subjects.items():
            running = graphql.WorkerCounts()
            for at, group in minutes(grouped.get(script, [])) if by_minute else []:
                minute = graphql.WorkerCounts()
                for row in group:
                    running.add(row)
                    minute.add(row)
                backfill += [(f"worker:{block}:requests", at, running.requests),
                             (f"worker:{block}:errors", at, running.errors)]
                if minute.cpu_p99_us is not None:
                    backfill.append((f"worker:{block}:cpu_p99_ms", at, minute.cpu_p99_us / 1000))
            w = graphql.WorkerCounts()
            for row in self.counted(grouped.get(script, [])):
                w.add(row)
            s = w.by_status
            invocations = Invocations(
                requests=w.requests, errors=w.errors, script_threw=s.get("scriptThrewException", 0),
                exceeded_resources=s.get("exceededResources", 0), internal_error=s.get("internalError", 0),
                client_disconnected=s.get("clientDisconnected", 0),
                cpu_p50_ms=None if w.cpu_p50_us is None else round(w.cpu_p50_us / 1000, 2),
                cpu_p99_ms=None if w.cpu_p99_us is None else round(w.cpu_p99_us / 1000, 2), since=self.since)
            workers.append(WorkerState(block=block, name=script, url=None, health=Health.UNKNOWN,
                                       invocations=invocations))
        return Contribution(workers=tuple(workers), backfill=tuple(backfill))


def analytics_sources(creds: Credentials, http: httpx.AsyncClient, queue_ids: Mapping[str, str],
                      scripts: Mapping[str, str], gate: ApiGate, **options: Any) -> list[DatasetSource]:
    limits = SharedLimits(http, creds)
    sources: list[DatasetSource] = []
    if queue_ids:
        sources += [kind(creds, http, queue_ids, gate, limits, **options)
                    for kind in (QueueOutcomesSource, QueueBacklogSource, ConsumerConcurrencySource)]
    if scripts:
        sources.append(InvocationsSource(creds, http, scripts, gate, limits, **options))
    return sources
