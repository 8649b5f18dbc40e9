"""One poll = every source at once, merged into a Snapshot; a failed source never ends the poll.

Rules the console relies on:
- all sources run concurrently, each bounded by a timeout, so one slow worker cannot stall the rest;
- a poll never overlaps itself: a second ``poll()`` while one runs waits for that one and gets its
  Snapshot (a slow network then means fewer polls, not a pile-up of them);
- a source that fails is marked down with its error, and its last good data stays on screen (or what
  its ``when_down`` says instead);
- every Snapshot is recorded in the History ring buffers the charts draw.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Sequence

from console.merge import merge
from console.model import History, QueueState, Snapshot, SourceStatus, WorkerState
from console.sources.base import Contribution, Source


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timed out"
    return text or type(exc).__name__


class Poller:
    def __init__(
        self, sources: Sequence[Source], *, project: str, target: str,
        workers: tuple[WorkerState, ...] = (), queues: tuple[QueueState, ...] = (),
        history: History | None = None, source_timeout: float = 10.0, clock: Callable[[], float] = time.time,
    ) -> None:
        names = [s.name for s in sources]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"source names must be unique, repeated: {sorted(duplicates)}")
        self.sources = list(sources)
        self.project = project
        self.target = target
        self.workers = workers
        self.queues = queues
        self.history = history if history is not None else History()
        self.source_timeout = source_timeout
        self.clock = clock
        self.last: Snapshot | None = None
        self.polls = 0  # completed polls, for tests and the status line
        self._good: dict[str, Contribution] = {}
        self._last_ok_at: dict[str, float] = {}
        self._running: asyncio.Task[Snapshot] | None = None

    async def poll(self) -> Snapshot:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._poll_once())
        # shield: a caller that gives up (a cancelled UI worker) does not cancel the poll others wait on
        return await asyncio.shield(self._running)

    async def _poll_source(self, source: Source) -> tuple[Contribution | None, SourceStatus]:
        started = self.clock()
        began = time.perf_counter()
        try:
            contribution = await asyncio.wait_for(source.poll(), self.source_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source's failure is data for the screen, never the end of the poll
            error = describe_error(exc)
            last = self._good.get(source.name)
            shown = self._when_down(source, error, last)
            status = SourceStatus(source.name, ok=False, polled_at=started, last_ok_at=self._last_ok_at.get(source.name), error=error)
            return shown, status
        latency = (time.perf_counter() - began) * 1000
        self._good[source.name] = contribution
        self._last_ok_at[source.name] = started
        return contribution, SourceStatus(source.name, ok=True, polled_at=started, last_ok_at=started, latency_ms=latency)

    @staticmethod
    def _when_down(source: Source, error: str, last: Contribution | None) -> Contribution | None:
        when_down = getattr(source, "when_down", None)
        if when_down is None:
            return last
        try:
            return when_down(error, last)
        except Exception:  # a broken fallback must not turn one source's failure into a failed poll
            return last

    async def _poll_once(self) -> Snapshot:
        results = await asyncio.gather(*(self._poll_source(s) for s in self.sources))
        snapshot = merge(
            taken_at=self.clock(), target=self.target, project=self.project, workers=self.workers, queues=self.queues,
            contributions=[c for c, _ in results if c is not None], statuses=tuple(s for _, s in results),
        )
        self.history.record(snapshot)
        self.last = snapshot
        self.polls += 1
        return snapshot
