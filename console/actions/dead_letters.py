"""Replay and delete dead letters.

Replay never drops a message: the worker sends each stored body to its source queue and only then
removes it from the store (docs/contracts.md §3). Here we pace the work in chunks of about a second at the
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
        remaining = answer.get("remaining")
        self.remaining = int(remaining) if isinstance(remaining, (int, float)) else self.remaining
        return len(done)

    def merge(self, other: ReplayResult) -> None:
        self.replayed.extend(other.replayed)
        self.failures.update(other.failures)
        self.remaining += other.remaining


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
    time. Stops when a round replays nothing (what is left keeps failing) or when as many as were there
    at the start are done (new deaths arriving meanwhile are not chased forever)."""
    result = ReplayResult()
    size = chunk_size(rate)
    target: int | None = None
    while True:
        want = size if limit is None else min(size, limit - result.count)
        replayed = result.add(await ops.replay(all=True, queue=queue, rate=rate, max=want), f"{ops.block} replay")
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
