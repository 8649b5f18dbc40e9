"""Folds the sources' contributions into one Snapshot, over a skeleton built from the manifest.

The skeleton lists every worker and queue the project declares, so a source that never answered still
leaves its rows on the screen (health ``unknown``) instead of making them vanish. Contributions fill in
fields: a field one source left ``None`` is taken from another, never overwritten with ``None``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Iterable, TypeVar

from console.model import Health, Memory, QueueState, Snapshot, SourceStatus, WorkerState
from console.sources.base import Contribution

T = TypeVar("T")
LOG_LINES_KEPT = 200


def fill(base: T, extra: T, skip: Iterable[str] = ()) -> T:
    """``base`` with every field ``extra`` knows (not None) taken from ``extra``."""
    changes = {
        f.name: getattr(extra, f.name) for f in fields(extra)  # type: ignore[arg-type]
        if f.name not in skip and getattr(extra, f.name) is not None
    }
    return replace(base, **changes)  # type: ignore[type-var]


def merge_worker(base: WorkerState, extra: WorkerState) -> WorkerState:
    merged = fill(base, extra, skip=("health", "checks", "memory"))
    if extra.health is not Health.UNKNOWN:
        merged = replace(merged, health=extra.health, checks=extra.checks)
    return replace(merged, memory=fill(base.memory, extra.memory))


def merge(
    *, taken_at: float, target: str, project: str, workers: tuple[WorkerState, ...], queues: tuple[QueueState, ...],
    contributions: Iterable[Contribution], statuses: tuple[SourceStatus, ...],
) -> Snapshot:
    by_block = {w.block: w for w in workers}
    by_queue = {q.name: q for q in queues}
    memories: dict[str, Memory] = {}
    dead_letters: list = []
    dead_known = False
    dead_total = 0
    crons, stats, logs, backfill = [], [], [], []
    rss = None
    for c in contributions:
        for w in c.workers:
            by_block[w.block] = merge_worker(by_block[w.block], w) if w.block in by_block else w
        for block, memory in c.memory.items():
            memories[block] = fill(memories.get(block, Memory()), memory)
        for q in c.queues:
            by_queue[q.name] = fill(by_queue[q.name], q) if q.name in by_queue else q
        if c.dead_letters is not None:
            dead_known = True
            dead_letters.extend(c.dead_letters)
            dead_total += c.dead_letter_total if c.dead_letter_total is not None else len(c.dead_letters)
        crons.extend(c.crons)
        stats.extend(c.stats)
        logs.extend(c.logs)
        backfill.extend(c.backfill)
        rss = c.runtime_rss if c.runtime_rss is not None else rss
    for block, memory in memories.items():
        if block in by_block:
            by_block[block] = replace(by_block[block], memory=fill(by_block[block].memory, memory))
    dead_letters.sort(key=lambda d: d.last_seen, reverse=True)
    logs.sort(key=lambda line: line.time)
    return Snapshot(
        taken_at=taken_at, target=target, project=project,
        workers=tuple(by_block.values()), queues=tuple(by_queue.values()),
        dead_letters=tuple(dead_letters), dead_letter_total=dead_total if dead_known else 0,
        crons=tuple(crons), stats=tuple(stats), sources=statuses, runtime_rss=rss,
        logs=tuple(logs[-LOG_LINES_KEPT:]), backfill=tuple(backfill),
    )
