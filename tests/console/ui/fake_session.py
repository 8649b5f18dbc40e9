"""A session double for UI tests before (and besides) the real one: returns model Snapshots and
records the actions the UI sends, with the result shapes of the ops API (contracts §3).

The data is fixed (times are a fixed epoch) so SVG snapshots are stable; behaviour tests change it
between polls (``dead_letters``, ``fail_polls``) and read ``calls``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from console.actions.dead_letters import DeleteResult, ReplayResult
from console.sources.dead_letters import DeadLetterPager
from console.model import (
    Check, CronRun, CronState, DeadLetter, Health, LogLine, Memory, QueueState, Snapshot, SourceStatus,
    StatValue, WorkerState,
)

T0 = 1_790_000_000.0  # a fixed moment, so screenshots do not change with the clock
POLL_CAP = 200  # a poll carries the newest 200, as DeadLettersSource does


def sample_dead_letters(n: int = 3) -> tuple[DeadLetter, ...]:
    return tuple(
        DeadLetter(id=f"msg-{i:04d}", queue="jobs", dlq="jobs-dlq",
                   body={"id": f"job-{i}", "kind": "poison" if i == 0 else "resize", "size": 1024 * i},
                   attempts=3, first_seen=T0 - 600 + i, last_seen=T0 - 60 + i,
                   # real errors are long and start with an id: the table must still show the reason
                   error=(f"job 8eacb0aa-bd21-4d06-b498-2e{i:010d} asked to fail: corrupt image {i}"
                          if i == 0 else f"timeout after {i}s"),
                   worker="worker", replays=1 if i == 1 else 0)
        for i in range(n)
    )


class FakeSession:
    target_label = "local · workerd (fake)"

    def __init__(self, dead_letters: int = 3, target: str = "local") -> None:
        self.dead_letters = list(sample_dead_letters(dead_letters))
        self.target = target
        self.calls: list[tuple] = []
        self.polls = 0
        self.fail_polls = False
        self.workers_down = False
        self.started = False
        self.stopped = False
        self.cron_runs: list[CronRun] = []
        self.clock = None  # None: real time (behaviour tests); a number: frozen (SVG snapshots)

    async def start(self, progress) -> None:
        progress("starting the fake runtime")
        self.started = True

    @property
    def now(self) -> float:
        import time
        return self.clock if self.clock is not None else time.time()

    def snapshot(self) -> Snapshot:
        health = Health.DOWN if self.workers_down else Health.OK
        error = "connection refused" if self.workers_down else None
        workers = (
            WorkerState("api", "jobs-api", "http://127.0.0.1:38375", health,
                        (Check("kv:STATE", Health.OK), Check("memory", Health.UNAVAILABLE, "zero heap")),
                        Memory(heap_used=3_400_000 + self.polls * 1000, heap_total=8_000_000, source="inspector"),
                        error),
            WorkerState("worker", "jobs-worker", "http://127.0.0.1:38377", health, (),
                        Memory(heap_used=5_100_000, heap_total=9_000_000, source="inspector"), error),
        )
        queues = (
            QueueState("jobs", backlog_count=4 + self.polls % 3, backlog_bytes=2048, oldest_message_age_s=12,
                       acked=100 + 5 * self.polls, retried=9, dead_lettered=len(self.dead_letters),
                       consumer="worker", dead_letter_queue="jobs-dlq", last_error="poisoned job: refusing to process"),
            QueueState("jobs-dlq", backlog_count=0, is_dead_letter_queue=True, consumer="worker"),
        )
        stats = (StatValue("api /api/stats", "total", 120 + self.polls),
                 StatValue("api /api/stats", "pending", 4),
                 StatValue("api /api/stats", "failed", float(len(self.dead_letters))))
        crons = (CronState("nightly-cleanup", "worker", "0 3 * * *", T0 + 3600 * 5, tuple(self.cron_runs)),
                 CronState("hourly-report", "api", "0 * * * *", T0 + 1200, ()))
        sources = (
            SourceStatus("health:api", not self.workers_down, self.now, self.now if not self.workers_down else T0 - 30,
                         error),
            SourceStatus("dlq:worker", True, self.now, self.now),
        )
        logs = tuple(LogLine(T0 - 10 + i, "worker", "info" if i % 2 else "error", f"processed job-{i}")
                     for i in range(self.polls % 5 + 3))
        return Snapshot(taken_at=self.now, target=self.target, project="jobs", workers=workers, queues=queues,
                        dead_letters=tuple(self.dead_letters[:POLL_CAP]), dead_letter_total=len(self.dead_letters),
                        crons=crons, stats=stats, sources=sources, runtime_rss=61_000_000, logs=logs)

    async def poll(self) -> Snapshot:
        await asyncio.sleep(0)
        self.polls += 1
        if self.fail_polls:
            raise ConnectionError("runtime not answering")
        return self.snapshot()

    async def replay(self, ids=None, *, all=False, rate=None, progress=None):
        self.calls.append(("replay", ids, {"all": all, "rate": rate}))
        chosen = [d for d in self.dead_letters if all or d.id in (ids or [])]
        for done in range(1, len(chosen) + 1):
            if progress:
                progress(done, len(chosen))
        self.dead_letters = [d for d in self.dead_letters if d not in chosen]
        return ReplayResult(replayed=[d.id for d in chosen], remaining=len(self.dead_letters))

    async def delete(self, ids=None, *, all=False):
        self.calls.append(("delete", ids, {"all": all}))
        before = len(self.dead_letters)
        self.dead_letters = [d for d in self.dead_letters if not (all or d.id in (ids or []))]
        return DeleteResult(before - len(self.dead_letters))

    async def run_cron(self, name):
        self.calls.append(("run_cron", name))
        run = CronRun(f"run-{len(self.cron_runs)}", name, "manual", T0, 12.0, True, None)
        self.cron_runs.insert(0, run)
        return run

    async def plan(self, progress):
        self.calls.append(("plan",))
        if self.target != "cloudflare":
            raise NotImplementedError
        return "Plan for jobs on Cloudflare account 0123…ef:\n  + create  queue  jobs-dlq\n1 to create, 0 to update, 9 unchanged"

    async def deploy(self, progress):
        self.calls.append(("deploy",))
        if self.target != "cloudflare":
            raise NotImplementedError
        progress("uploading")
        return "3 workers"

    async def stop(self) -> None:
        self.stopped = True

    def dead_letter_pager(self) -> DeadLetterPager:
        self.calls.append(("pager",))
        return DeadLetterPager([FakeStore(self)])


class FakeStore:
    """One worker's dead-letter store as the ops route pages it (contracts §3), over the session's list,
    so the console's paging runs the real pager."""

    block = "worker"

    def __init__(self, session: FakeSession) -> None:
        self.session = session

    async def dead_letters(self, queue=None, limit=50, cursor=None, arriving=False):
        letters, start = self.session.dead_letters, int(cursor or 0)
        page = [{"id": d.id, "queue": d.queue, "dlq": d.dlq, "body": d.body, "attempts": d.attempts,
                 "first_seen": d.first_seen * 1000, "last_seen": d.last_seen * 1000, "error": d.error,
                 "replays": d.replays} for d in letters[start:start + limit]]
        more = start + limit < len(letters)
        return {"messages": page, "next_cursor": str(start + limit) if more else None, "total": len(letters)}


def opener(session: FakeSession):
    return lambda progress: session


def with_letters(session: FakeSession, letters) -> None:
    session.dead_letters = [replace(d) for d in letters]
