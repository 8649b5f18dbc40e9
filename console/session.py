"""A console session: one project on one target, its sources, one poll at a time, and the actions.

The dashboard and the CLI twins (``tova status``, ``tova dlq``, ``tova cron``) all go through this class
(docs/contracts.md §6-7), so what a script sees is what the screen shows. It owns the one shared
``httpx.AsyncClient`` (with timeouts) that every source and action uses.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Any, Callable

import httpx

from console.actions import ActionError
from console.actions import crons as cron_actions
from console.actions import dead_letters as dlq_actions
from console.actions.dead_letters import Progress as CountProgress
from console.actions.dead_letters import DeleteResult, ReplayResult
from console.model import CronRun, DeadLetter, Health, History, QueueState, Snapshot, WorkerState
from console.ops_client import OpsClient, OpsError
from console.poller import Poller
from console.project import Project, expand_secrets
from console.sources.base import Source
from console.sources.crons import CronsSource
from console.sources.dead_letters import DeadLetterPager, DeadLettersSource, list_dead_letters, parse_dead_letter
from console.sources.health import HealthSource
from console.sources.ops_queues import QueuesSource
from console.sources.stats import StatsSource
from console.targets.base import Progress, Target

TARGETS = {
    "local": ("console.targets.local.target", "LocalTarget"),
    "cloudflare": ("console.targets.cloudflare.target", "CloudflareTarget"),
}


def create_target(name: str, project: Project, *, live: bool = True) -> Target:
    """The target by name, imported only when asked for (the cloudflare SDK is slow to import).
    ``live=False`` for one-shot commands: no live log tails on Cloudflare."""
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
    module_name, class_name = TARGETS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ActionError(f"the {name} target is not available in this build ({exc})") from None
    kind = getattr(module, class_name)
    return kind(project, live_logs=False) if name == "cloudflare" and not live else kind(project)


class Session:
    def __init__(self, project: Project, target: Target, *, read_only: bool = False, http: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.project = project
        self.target = target
        self.read_only = read_only
        self.clock = clock
        self.history = History(project.config.history)
        self._http = http
        self._own_http = http is None
        self._ops: dict[str, OpsClient] = {}
        self.poller: Poller | None = None
        self.started = False

    # ----- life cycle

    async def start(self, progress: Progress = lambda _: None) -> None:
        """Start the target (local: install and run workerd) and build the sources. Raises with a clear
        message when the target cannot start, or a ``SecretMissing`` for a bad ``${SECRET}`` in tova.toml."""
        self.started = True  # set first: a target that half-started (runner up, then failed) is still stopped
        await self.target.start(progress)
        if self._http is None:
            timeout = self.project.config.timeout
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)))
        progress("connecting to the workers")
        self._build()

    async def stop(self) -> None:
        try:
            if self.started:
                await self.target.stop()
        finally:
            self.started = False
            if self._own_http and self._http is not None:
                await self._http.aclose()
                self._http = None

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def _build(self) -> None:
        manifest = self.project.manifest
        urls = self.target.worker_urls()
        token = self.target.secret(manifest.ops.token_secret)
        assert self._http is not None
        self._ops = {
            block: OpsClient(self._http, block, url, token, manifest.ops.prefix)
            for block, url in urls.items() if block in manifest.blocks
        }
        self.poller = Poller(
            self.build_sources(), project=manifest.project, target=self.target.name,
            workers=self._skeleton_workers(urls), queues=self._skeleton_queues(), history=self.history,
            source_timeout=self.project.config.timeout * 2,
            clock=self.clock,
        )

    def build_sources(self) -> list[Source]:
        """The common sources from the manifest, then the target's own (memory, logs, cloud metrics)."""
        manifest = self.project.manifest
        sources: list[Source] = []
        for worker in manifest.workers:
            ops = self._ops.get(worker.block)
            if ops is None:
                continue
            sources.append(HealthSource(ops, worker.block, worker.name, worker.health.path))
            if worker.queue_bindings or worker.consumes:
                sources.append(QueuesSource(ops, worker.block, clock=self.clock))
            if worker.dead_letter_stores:
                sources.append(DeadLettersSource(ops, worker.block))
            if worker.schedules:
                sources.append(CronsSource(ops, worker.block, worker.schedules, clock=self.clock))
        for endpoint in self.project.stats_endpoints:
            ops = self._ops.get(endpoint.worker)
            if ops is None:
                continue
            headers = {
                key: expand_secrets(value, self.target.secret, where=f"tova.toml stats header {key}")
                for key, value in endpoint.headers.items()
            }
            sources.append(StatsSource(ops, endpoint.label, endpoint.path, headers))
        assert self._http is not None
        sources.extend(self.target.sources(self._http))
        return sources

    def _skeleton_workers(self, urls: dict[str, str]) -> tuple[WorkerState, ...]:
        return tuple(
            WorkerState(block=w.block, name=w.name, url=urls.get(w.block), health=Health.UNKNOWN)
            for w in self.project.manifest.workers
        )

    def _skeleton_queues(self) -> tuple[QueueState, ...]:
        return tuple(
            QueueState(
                name=q.name, consumer=q.consumer.worker if q.consumer else None,
                dead_letter_queue=q.consumer.dead_letter_queue if q.consumer else None,
                is_dead_letter_queue=q.dead_letter_for is not None,
            )
            for q in self.project.manifest.queues
        )

    # ----- reading

    def _require_started(self) -> Poller:
        if self.poller is None:
            raise RuntimeError("Session.start() must run first")
        return self.poller

    async def poll(self) -> Snapshot:
        return await self._require_started().poll()

    @property
    def last_snapshot(self) -> Snapshot | None:
        return self.poller.last if self.poller else None

    @property
    def interval(self) -> float:
        """The project's poll interval from tova.toml ([console] interval; 2 s by default)."""
        return self.project.config.interval

    @property
    def target_label(self) -> str:
        label = getattr(self.target, "label", None)
        return label() if callable(label) else self.target.name

    def _store_clients(self, queue: str | None = None) -> list[OpsClient]:
        """The ops clients of the workers that hold the dead letters (of ``queue``, a DLQ or its source)."""
        manifest = self.project.manifest
        self._require_started()
        workers = manifest.dead_letter_store_workers()
        if not workers:
            raise ActionError(f"{manifest.project} has no dead-letter queue (no consumer sets dead_letter_queue)")
        if queue is not None:
            known = manifest.dead_letter_names()
            if queue not in known:
                raise ActionError(f"no dead-letter queue for {queue!r} (queues with one: {', '.join(sorted(known))})")
            workers = (manifest.dead_letter_store_of(queue),)
        clients = [self._ops[w.block] for w in workers if w is not None and w.block in self._ops]
        if not clients:
            raise ActionError("the workers that hold the dead letters are not reachable on this target")
        return clients

    def _source_queue(self, queue: str | None) -> str | None:
        return None if queue is None else self.project.manifest.dead_letter_source(queue)

    async def dead_letters(self, queue: str | None = None, limit: int = 500) -> tuple[list[DeadLetter], int]:
        """Dead letters (newest first) and the total, straight from the store(s)."""
        letters: list[DeadLetter] = []
        total = 0
        for ops in self._store_clients(queue):
            try:
                found, count = await list_dead_letters(ops, queue=self._source_queue(queue), cap=limit)
            except OpsError as exc:
                raise ActionError(str(exc)) from None
            letters.extend(found)
            total += count
        letters.sort(key=lambda d: d.last_seen, reverse=True)
        return letters[:limit], total

    def dead_letter_pager(self, queue: str | None = None, size: int = 200) -> DeadLetterPager:
        """Every store's dead letters a page at a time, newest first (the console's `]` and `[`)."""
        return DeadLetterPager(self._store_clients(queue), size, self._source_queue(queue))

    async def dead_letter(self, message_id: str) -> DeadLetter | None:
        for ops in self._store_clients():
            try:
                item = await ops.dead_letter(message_id)
            except OpsError as exc:
                raise ActionError(str(exc)) from None
            if item is not None:
                return parse_dead_letter(item, ops.block)
        return None

    # ----- actions

    def _check_writable(self, what: str) -> None:
        if self.read_only:
            raise ActionError(f"read-only session: {what} is disabled")

    async def _locate(self, ids: list[str]) -> dict[str, list[str]]:
        """Which store holds each id: from the last snapshot when it knows, else by asking each store."""
        clients = self._store_clients()
        if len(clients) == 1:
            return {clients[0].block: list(ids)}
        known = {d.id: d.worker for d in (self.last_snapshot.dead_letters if self.last_snapshot else ()) if d.worker}
        placed: dict[str, list[str]] = {}
        for message_id in ids:
            block = known.get(message_id)
            if block is None:
                found = await self.dead_letter(message_id)
                block = found.worker if found else clients[0].block  # unknown ids: the store answers "not found"
            placed.setdefault(block, []).append(message_id)
        return placed

    async def replay(self, ids: list[str] | None = None, *, all: bool = False, queue: str | None = None,
                     rate: float | None = None, max: int | None = None,
                     progress: CountProgress | None = None) -> ReplayResult:
        """Send dead letters back to their source queues (selected ``ids`` or ``all``, at most ``max`` of
        them), paced at ``rate`` per second; ``progress(done, total)`` after each chunk. Failed messages
        stay in the store and are listed in ``failed``."""
        self._check_writable("replay")
        if not all and not ids:
            raise ActionError("nothing to replay: give message ids or all")
        rate = rate or self.project.config.replay_rate
        result = ReplayResult()
        try:
            if all:
                for ops in self._store_clients(queue):
                    left = None if max is None else max - result.count
                    if left is not None and left <= 0:
                        break
                    result.merge(await dlq_actions.replay_all(
                        ops, rate, self._source_queue(queue), progress, limit=left))
            else:
                done = 0
                for block, chunk in (await self._locate(list(ids or ()))).items():
                    part = await dlq_actions.replay_ids(self._ops[block], chunk, rate, progress, total=len(ids or ()), done_before=done)
                    done += len(chunk)
                    result.merge(part)
        except OpsError as exc:
            raise ActionError(f"replay stopped: {exc} ({result.count} replayed before that)") from None
        return result

    async def delete(self, ids: list[str] | None = None, *, all: bool = False, queue: str | None = None) -> DeleteResult:
        """Remove dead letters for good; returns how many went. The caller asks for confirmation first."""
        self._check_writable("delete")
        if not all and not ids:
            raise ActionError("nothing to delete: give message ids or all")
        deleted = 0
        try:
            if all:
                for ops in self._store_clients(queue):
                    deleted += await dlq_actions.delete(ops, all=True, queue=self._source_queue(queue))
            else:
                for block, chunk in (await self._locate(list(ids or ()))).items():
                    deleted += await dlq_actions.delete(self._ops[block], ids=chunk)
        except OpsError as exc:
            raise ActionError(f"delete failed: {exc} ({deleted} deleted before that)") from None
        return DeleteResult(deleted)

    async def run_cron(self, name: str) -> CronRun:
        """Run a schedule now (same code as the scheduled handler); the run's ``ok``/``error`` say how it went."""
        self._check_writable("run cron")
        self._require_started()
        owner = self.project.manifest.schedule_owner(name)
        if owner is None:
            names = ", ".join(self.project.manifest.schedule_names) or "none"
            raise ActionError(f"no cron named {name!r} in {self.project.name} (crons: {names})")
        ops = self._ops.get(owner.block)
        if ops is None:
            raise ActionError(f"worker {owner.block} is not reachable on this target")
        try:
            return await cron_actions.run_cron(ops, name)
        except OpsError as exc:
            raise ActionError(f"cron {name} did not run: {exc}") from None

    async def plan(self, progress: Progress = lambda _: None) -> str:
        """What a deploy would change, read from the target; changes nothing (shown before asking)."""
        plan = getattr(self.target, "plan", None)
        if plan is None:
            raise NotImplementedError(f"the {self.target.name} target does not deploy")
        return await plan(progress)

    async def deploy(self, progress: Progress = lambda _: None) -> str:
        self._check_writable("deploy")
        deploy = getattr(self.target, "deploy", None)
        if deploy is None:
            raise NotImplementedError(f"the {self.target.name} target does not deploy")
        result = await deploy(progress)
        if self._http is not None:
            self._build()  # a deploy may change URLs and secrets
        return result

    async def settle(self, timeout: float = 30.0, interval: float = 0.25, *, baseline: Snapshot | None = None,
                     replayed: int = 0, since: float | None = None) -> bool:
        """Wait until no queue has a backlog and, after a replay, until every replayed message has an
        outcome. True when settled in time.

        On the local target queues live in memory: a CLI that replays and stops at once would drop what
        it just sent (or what the DLQ consumer has not stored yet), so the twins wait here before
        stopping the runtime. A replayed message ends acked, dropped, or back in the store (last seen
        after ``since``); ``baseline`` is a snapshot from before the replay, for the counters' deltas.
        Other traffic meanwhile can only end the wait early, never make it lose a message it counts."""
        deadline = self.clock() + timeout
        while True:
            snapshot = await self.poll()
            busy = any(q.backlog_count for q in snapshot.queues)
            if not busy and replayed:
                busy = self._outcomes(baseline, snapshot, since) < replayed
            if not busy:
                return True
            if self.clock() >= deadline:
                return False
            await asyncio.sleep(interval)

    @staticmethod
    def _outcomes(baseline: Snapshot | None, now: Snapshot, since: float | None) -> int:
        before = {q.name: q for q in (baseline.queues if baseline else ())}
        settled = 0
        for queue in now.queues:
            if queue.dead_letter_queue is None:
                continue  # only queues with a DLQ get replays
            old = before.get(queue.name)
            for field_name in ("acked", "dropped"):
                value = getattr(queue, field_name) or 0
                settled += max(0, value - ((getattr(old, field_name) or 0) if old else 0))
        died_again = sum(1 for d in now.dead_letters if since is not None and d.last_seen >= since)
        return settled + died_again
