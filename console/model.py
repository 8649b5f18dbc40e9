"""What the console knows, as plain immutable data: one ``Snapshot`` per poll, plus history.

The poller builds a Snapshot from the sources; the UI only renders Snapshots and never does I/O. Every
source reports its own ``SourceStatus`` so a failed poll marks that source down instead of ending
anything, and the UI can say how old each piece of data is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable


class Health(str, Enum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNAVAILABLE = "unavailable"  # cannot be measured here; not a failure
    UNKNOWN = "unknown"  # not polled yet


@dataclass(frozen=True)
class SourceStatus:
    """How the last poll of one source went (``name`` like ``health:api`` or ``dlq:processor``)."""

    name: str
    ok: bool
    polled_at: float  # epoch seconds of the attempt
    last_ok_at: float | None  # epoch seconds of the last success, for "stale since"
    error: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class Check:
    name: str
    status: Health
    detail: str | None = None


@dataclass(frozen=True)
class Memory:
    heap_used: int | None = None  # bytes, from the V8 inspector (local) or None when unknown
    heap_total: int | None = None
    rss: int | None = None  # bytes of the runtime process that hosts the worker (local)
    source: str | None = None  # "inspector", "healthz", ... ; None when unavailable


@dataclass(frozen=True)
class Invocations:
    """What the platform counted for one worker (Cloudflare's GraphQL analytics), since ``since``.

    By the documented statuses of ``workersInvocationsAdaptive``: ``exceeded_resources`` is a kill for
    CPU time or memory (Cloudflare does not say which), ``script_threw`` an uncaught exception,
    ``internal_error`` the platform's fault, ``client_disconnected`` the caller going away."""

    requests: int = 0
    errors: int = 0
    script_threw: int = 0
    exceeded_resources: int = 0
    internal_error: int = 0
    client_disconnected: int = 0
    cpu_p50_ms: float | None = None
    cpu_p99_ms: float | None = None
    since: float | None = None  # epoch seconds the counts start at


@dataclass(frozen=True)
class WorkerState:
    block: str
    name: str
    url: str | None
    health: Health
    checks: tuple[Check, ...] = ()
    memory: Memory = Memory()
    error: str | None = None  # why health is DOWN, when it is
    invocations: Invocations | None = None  # the platform's own counts, where it keeps them


@dataclass(frozen=True)
class QueueState:
    name: str
    backlog_count: int | None = None
    backlog_bytes: int | None = None
    oldest_message_age_s: float | None = None
    acked: int | None = None  # cumulative counters; rates come from Series
    retried: int | None = None
    dead_lettered: int | None = None
    dropped: int | None = None  # gave up after the last retry with no dead-letter queue: lost for good
    consumer: str | None = None  # block of the consuming worker
    dead_letter_queue: str | None = None
    is_dead_letter_queue: bool = False
    last_error: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    id: str
    queue: str  # the source queue it died on
    dlq: str
    body: Any
    attempts: int
    first_seen: float  # epoch seconds
    last_seen: float
    error: str | None = None
    worker: str | None = None  # block whose ops routes hold it
    replays: int = 0  # times this body was replayed before and died again
    state: str = "stored"  # "replaying" (a replay holds it), "in_flight" (sent, not yet consumed), "arriving" (not yet stored)


@dataclass(frozen=True)
class CronRun:
    id: str
    name: str
    trigger: str  # "manual" or "scheduled"
    started_at: float  # epoch seconds
    duration_ms: float
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class CronState:
    name: str
    worker: str
    cron: str
    next_run: float | None  # epoch seconds, from croniter
    runs: tuple[CronRun, ...] = ()


@dataclass(frozen=True)
class StatValue:
    endpoint: str  # "api /api/stats"
    key: str  # dotted path of a numeric field, e.g. "pending"
    value: float


@dataclass(frozen=True)
class LogLine:
    time: float
    worker: str
    level: str
    message: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one poll learned. ``taken_at`` is when the poll finished (epoch seconds)."""

    taken_at: float
    target: str  # "local" or "cloudflare"
    project: str
    workers: tuple[WorkerState, ...] = ()
    queues: tuple[QueueState, ...] = ()
    dead_letters: tuple[DeadLetter, ...] = ()
    dead_letter_total: int = 0
    crons: tuple[CronState, ...] = ()
    stats: tuple[StatValue, ...] = ()
    sources: tuple[SourceStatus, ...] = ()
    runtime_rss: int | None = None
    logs: tuple[LogLine, ...] = ()  # the most recent lines, oldest first
    # points from before the console started (the platform's history), for series that begin empty
    backfill: tuple[tuple[str, float, float], ...] = ()  # (history key, epoch seconds, value)

    def source(self, name: str) -> SourceStatus | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def down_sources(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.sources if not s.ok)


@dataclass
class Series:
    """A bounded history of one number (backlog of a queue, a stats field, heap of a worker).

    The last ``capacity`` points are kept as they came; older ones are folded into one point per
    ``bucket_s`` (the last value of each minute) and kept for ``keep_s``, so a console open all shift
    still charts the last hours at a fixed cost per series (about 120 + 120 points)."""

    capacity: int = 120
    recent: deque[tuple[float, float]] = field(default_factory=deque)
    keep_s: float = 2 * 3600.0
    bucket_s: float = 60.0

    def __post_init__(self) -> None:
        self.recent = deque(self.recent, maxlen=self.capacity)
        self.older: deque[tuple[float, float]] = deque(maxlen=max(1, int(self.keep_s // self.bucket_s)))

    def add(self, at: float, value: float | None) -> None:
        if value is None:
            return
        if len(self.recent) == self.capacity:
            self._fold(*self.recent[0])
        self.recent.append((at, float(value)))

    def _fold(self, at: float, value: float) -> None:
        bucket = at - at % self.bucket_s
        if self.older and self.older[-1][0] >= bucket:
            self.older[-1] = (bucket, value)
        else:
            self.older.append((bucket, value))

    def backfill(self, points: Iterable[tuple[float, float]]) -> None:
        """Points from before this series began (the platform's history at start); only those older
        than everything already here are taken, so giving the same points again changes nothing."""
        first = self.points[0][0] if self.points else float("inf")
        earlier = sorted((at, float(v)) for at, v in points if at < first)
        if not earlier:
            return
        kept: deque[tuple[float, float]] = deque(maxlen=self.older.maxlen)
        for at, value in earlier:
            bucket = at - at % self.bucket_s
            if kept and kept[-1][0] >= bucket:
                kept[-1] = (bucket, value)
            else:
                kept.append((bucket, value))
        kept.extend(self.older)
        self.older = kept

    @property
    def points(self) -> list[tuple[float, float]]:
        return [*self.older, *self.recent]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]

    @property
    def last(self) -> float | None:
        return self.recent[-1][1] if self.recent else (self.older[-1][1] if self.older else None)

    def trend(self) -> float | None:
        """Change between the last two points (None with fewer than two)."""
        points = self.points[-2:]
        if len(points) < 2:
            return None
        return points[-1][1] - points[-2][1]

    def rate_per_s(self) -> float | None:
        """Average increase per second over the last two points, for cumulative counters."""
        points = self.points[-2:]
        if len(points) < 2:
            return None
        (t0, v0), (t1, v1) = points
        if t1 <= t0 or v1 < v0:  # a counter reset (store purged, runtime restarted) is no rate
            return None
        return (v1 - v0) / (t1 - t0)


class History:
    """Series by key, fed from each Snapshot; keys like ``queue:process-queue:backlog``."""

    def __init__(self, capacity: int = 120) -> None:
        self.capacity = capacity
        self._series: dict[str, Series] = {}

    def series(self, key: str) -> Series:
        if key not in self._series:
            self._series[key] = Series(self.capacity)
        return self._series[key]

    def keys(self) -> Iterable[str]:
        return self._series.keys()

    def record(self, snapshot: Snapshot) -> None:
        at = snapshot.taken_at
        for queue in snapshot.queues:
            self.series(f"queue:{queue.name}:backlog").add(at, queue.backlog_count)
            self.series(f"queue:{queue.name}:acked").add(at, queue.acked)
            self.series(f"queue:{queue.name}:retried").add(at, queue.retried)
            self.series(f"queue:{queue.name}:dead").add(at, queue.dead_lettered)
            self.series(f"queue:{queue.name}:dropped").add(at, queue.dropped)
        grouped: dict[str, list[tuple[float, float]]] = {}
        for key, when, value in snapshot.backfill:
            grouped.setdefault(key, []).append((when, value))
        for key, points in grouped.items():
            self.series(key).backfill(points)
        for worker in snapshot.workers:
            self.series(f"worker:{worker.block}:heap").add(at, worker.memory.heap_used)
            if worker.invocations is not None:
                self.series(f"worker:{worker.block}:requests").add(at, worker.invocations.requests)
                self.series(f"worker:{worker.block}:errors").add(at, worker.invocations.errors)
                self.series(f"worker:{worker.block}:cpu_p99_ms").add(at, worker.invocations.cpu_p99_ms)
        for stat in snapshot.stats:
            self.series(f"stat:{stat.endpoint}:{stat.key}").add(at, stat.value)
        self.series("dlq:total").add(at, snapshot.dead_letter_total)
