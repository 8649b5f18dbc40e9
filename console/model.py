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
class WorkerState:
    block: str
    name: str
    url: str | None
    health: Health
    checks: tuple[Check, ...] = ()
    memory: Memory = Memory()
    error: str | None = None  # why health is DOWN, when it is


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
    state: str = "stored"  # "replaying" (a replay holds it) or "in_flight" (sent, not yet consumed)


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

    def source(self, name: str) -> SourceStatus | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def down_sources(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.sources if not s.ok)


@dataclass
class Series:
    """A bounded history of one number (backlog of a queue, a stats field, heap of a worker)."""

    capacity: int = 120
    points: deque[tuple[float, float]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.points = deque(self.points, maxlen=self.capacity)

    def add(self, at: float, value: float | None) -> None:
        if value is not None:
            self.points.append((at, float(value)))

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None

    def trend(self) -> float | None:
        """Change between the last two points (None with fewer than two)."""
        if len(self.points) < 2:
            return None
        return self.points[-1][1] - self.points[-2][1]

    def rate_per_s(self) -> float | None:
        """Average increase per second over the last two points, for cumulative counters."""
        if len(self.points) < 2:
            return None
        (t0, v0), (t1, v1) = self.points[-2], self.points[-1]
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
        for worker in snapshot.workers:
            self.series(f"worker:{worker.block}:heap").add(at, worker.memory.heap_used)
        for stat in snapshot.stats:
            self.series(f"stat:{stat.endpoint}:{stat.key}").add(at, stat.value)
        self.series("dlq:total").add(at, snapshot.dead_letter_total)
