"""Replay and delete dead letters.

Replay never drops a message: the worker claims each entry, sends its body to the source queue and
only then removes it from the store, or, on the local runtime whose queues live in memory, keeps it
marked in flight until the message is consumed or dies again (docs/reliability.md). Entries another
replay holds are skipped, never sent twice. Here we pace the work in chunks of about a second at the
requested rate, report progress after each chunk, and collect what failed and why; a failed message
stays in the store for the next attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from console.ops_client import OpsClient, OpsError

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class ReplayFailure:
    id: str
    error: str


@dataclass
class ReplayResult:
    replayed: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # id -> error; a later success removes it
    remaining: int = 0  # still in the store(s) after the replay
    skipped: set[str] = field(default_factory=set)  # held by another replay running at the same time
    before: float | None = None  # the pass's start on the worker's clock: later deaths wait for the next
    in_flight: bool = False  # the local runtime keeps sent entries until their messages are consumed

    @property
    def count(self) -> int:
        return len(self.replayed)

    @property
    def failed(self) -> list[ReplayFailure]:
        return [ReplayFailure(i, e) for i, e in self.failures.items()]

    def add(self, answer: Any, where: str) -> int:
        """Fold one route answer in; returns how many it replayed."""
        if not isinstance(answer, Mapping):
            raise OpsError(f"{where}: replay answer is not a JSON object")
        done = [str(i) for i in answer.get("replayed") or ()]
        for message_id in done:
            self.failures.pop(message_id, None)
        self.replayed.extend(done)
        for item in answer.get("failed") or ():
            if isinstance(item, Mapping) and "id" in item:
                self.failures[str(item["id"])] = str(item.get("error") or "unknown error")
        self.skipped.update(str(i) for i in answer.get("skipped") or ())
        self.skipped.difference_update(done)
        remaining = answer.get("remaining")
        self.remaining = int(remaining) if isinstance(remaining, (int, float)) else self.remaining
        if isinstance(answer.get("before"), (int, float)) and self.before is None:
            self.before = float(answer["before"])
        self.in_flight = self.in_flight or bool(answer.get("in_flight_until_consumed"))
        return len(done)

    def merge(self, other: ReplayResult) -> None:
        self.replayed.extend(other.replayed)
        self.failures.update(other.failures)
        self.remaining += other.remaining
        self.skipped.update(other.skipped)
        self.in_flight = self.in_flight or other.in_flight


@dataclass(frozen=True)
class DeleteResult:
    deleted: int


def chunk_size(rate: float) -> int:
    return max(1, min(500, int(rate)))


async def replay_ids(ops: OpsClient, ids: list[str], rate: float, progress: Progress | None = None, total: int | None = None,
                     done_before: int = 0) -> ReplayResult:
    result = ReplayResult()
    size = chunk_size(rate)
    total = total if total is not None else len(ids)
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        result.add(await ops.replay(ids=chunk, rate=rate), f"{ops.block} replay")
        if progress:
            progress(done_before + min(start + len(chunk), len(ids)), total)
    return result


async def replay_all(ops: OpsClient, rate: float, queue: str | None = None, progress: Progress | None = None,
                     limit: int | None = None) -> ReplayResult:
    """Everything in this worker's store (or one source queue's part; at most ``limit``), a chunk at a
    time, in one pass: the worker's `before` from the first answer goes with every later request, so
    each letter there at the start is sent at most once and one that dies again meanwhile waits for
    the next pass. Stops when nothing eligible is left or a round replays nothing."""
    result = ReplayResult()
    size = chunk_size(rate)
    target: int | None = None
    while True:
        want = size if limit is None else min(size, limit - result.count)
        answer = await ops.replay(all=True, queue=queue, rate=rate, max=want, before=result.before)
        replayed = result.add(answer, f"{ops.block} replay")
        if target is None:
            target = replayed + len(result.failures) + result.remaining
            target = target if limit is None else min(target, limit)
        if progress:
            progress(min(result.count, target), target)
        if replayed == 0 or result.remaining == 0 or result.count >= target:
            return result


async def delete(ops: OpsClient, *, ids: list[str] | None = None, all: bool = False, queue: str | None = None) -> int:
    answer = await ops.delete(ids=ids, all=all, queue=queue)
    deleted = answer.get("deleted") if isinstance(answer, Mapping) else None
    if not isinstance(deleted, int):
        raise OpsError(f"{ops.block} delete: answer has no count: {str(answer)[:80]}")
    return deleted
