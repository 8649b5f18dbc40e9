"""A typed, read-only view of ``manifest.json`` version 1 (docs/contracts.md §1).

The console learns the project only from the manifest, never by re-parsing Tova. Reading it here once,
with clear errors for a file of the wrong shape, keeps the rest of the console free of dict digging.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

SUPPORTED_VERSION = 1


class ManifestError(Exception):
    """The manifest is missing, not JSON, or not the version-1 shape; the message says which."""


@dataclass(frozen=True)
class Consumer:
    worker: str  # block of the consuming worker
    max_batch_size: int | None = None
    max_batch_timeout: float | None = None
    max_retries: int | None = None
    retry_delay: float | None = None
    dead_letter_queue: str | None = None
    max_concurrency: int | None = None


@dataclass(frozen=True)
class Queue:
    name: str
    binding: str
    producers: tuple[str, ...] = ()
    consumer: Consumer | None = None
    dead_letter_for: str | None = None  # set on a DLQ: the queue whose dead messages it takes


@dataclass(frozen=True)
class Binding:
    kind: str  # kv, d1, r2, queue, ai
    name: str
    ops: bool = False  # the ops store's own D1 binding
    details: Mapping[str, Any] = field(default_factory=dict)  # id, database_name, bucket_name, queue ...


@dataclass(frozen=True)
class Route:
    method: str
    path: str


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str


@dataclass(frozen=True)
class Health:
    path: str = "/healthz"
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Worker:
    block: str
    name: str  # deployed script name, e.g. pipeline-api
    module: str
    config: str
    health: Health
    routes: tuple[Route, ...] = ()
    bindings: tuple[Binding, ...] = ()
    vars: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    consumes: tuple[str, ...] = ()
    dead_letter_stores: tuple[str, ...] = ()  # DLQ names whose store this worker serves

    @property
    def queue_bindings(self) -> tuple[Binding, ...]:
        return tuple(b for b in self.bindings if b.kind == "queue")


@dataclass(frozen=True)
class Ops:
    prefix: str = "/__tova"
    token_secret: str = "TOVA_ADMIN_TOKEN"
    d1_binding: str = "TOVA_OPS"
    database_name: str | None = None


@dataclass(frozen=True)
class Migration:
    binding: str
    database_name: str
    dir: Path  # resolved against the manifest's folder


@dataclass(frozen=True)
class Manifest:
    project: str
    source: str
    compatibility_date: str
    workers: tuple[Worker, ...]
    queues: tuple[Queue, ...] = ()
    ops: Ops = Ops()
    compatibility_flags: tuple[str, ...] = ()
    migrations: tuple[Migration, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def worker(self, block: str) -> Worker:
        for worker in self.workers:
            if worker.block == block:
                return worker
        raise KeyError(f"no worker {block!r} in the manifest (workers: {', '.join(self.blocks)})")

    @property
    def blocks(self) -> tuple[str, ...]:
        return tuple(w.block for w in self.workers)

    def queue(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name == name), None)

    def dead_letter_store_workers(self) -> tuple[Worker, ...]:
        return tuple(w for w in self.workers if w.dead_letter_stores)

    def dead_letter_names(self) -> set[str]:
        """Names a user may give for a part of the dead-letter store: a DLQ or the queue it serves."""
        return {name for q in self.queues if q.dead_letter_for for name in (q.name, q.dead_letter_for)}

    def dead_letter_source(self, name: str) -> str:
        """The source queue the store files a dead letter under (``jobs-dlq`` -> ``jobs``; ``jobs`` stays)."""
        queue = self.queue(name)
        return queue.dead_letter_for if queue is not None and queue.dead_letter_for else name

    def dead_letter_store_of(self, name: str) -> Worker | None:
        """The worker that serves the store of a DLQ or of its source queue."""
        dlq = next((q.name for q in self.queues if q.dead_letter_for and name in (q.name, q.dead_letter_for)), None)
        return next((w for w in self.workers if dlq in w.dead_letter_stores), None)

    def schedule_owner(self, name: str) -> Worker | None:
        return next((w for w in self.workers if any(s.name == name for s in w.schedules)), None)

    @property
    def schedule_names(self) -> tuple[str, ...]:
        return tuple(s.name for w in self.workers for s in w.schedules)

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestError(f"{path}: no manifest here; build the project first (tova build)") from None
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
        return cls.from_dict(data, base_dir=path.parent, origin=str(path))

    @classmethod
    def from_dict(cls, data: Any, base_dir: Path | None = None, origin: str = "manifest") -> Manifest:
        reader = _Reader(origin)
        return reader.manifest(data, base_dir or Path("."))


class _Reader:
    """Turns the JSON into dataclasses, naming the exact field when something is off."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, what: str) -> ManifestError:
        return ManifestError(f"{self.origin}: {where}: {what}")

    def obj(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "expected a string")
        return value

    def optional(self, data: Mapping[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
        value = data.get(key)
        if value is not None and (not isinstance(value, kinds) or isinstance(value, bool)):
            raise self.fail(f"{where}.{key}", f"expected {' or '.join(k.__name__ for k in kinds)} or null")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "expected a list of strings")
        return tuple(value)

    def items(self, data: Mapping[str, Any], key: str, where: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "expected a list")
        return [(f"{where}.{key}[{i}]", self.obj(item, f"{where}.{key}[{i}]")) for i, item in enumerate(value)]

    def manifest(self, data: Any, base_dir: Path) -> Manifest:
        data = self.obj(data, "top level")
        version = data.get("version")
        if version != SUPPORTED_VERSION:
            raise self.fail("version", f"this console reads manifest version {SUPPORTED_VERSION}, found {version!r}")
        ops = self.obj(data.get("ops") or {}, "ops")
        return Manifest(
            project=self.text(data, "project", "manifest"),
            source=self.text(data, "source", "manifest", default=""),
            compatibility_date=self.text(data, "compatibility_date", "manifest", default=""),
            compatibility_flags=self.strings(data, "compatibility_flags", "manifest"),
            ops=Ops(
                prefix=self.text(ops, "prefix", "ops", default="/__tova").rstrip("/"),
                token_secret=self.text(ops, "token_secret", "ops", default="TOVA_ADMIN_TOKEN"),
                d1_binding=self.text(ops, "d1_binding", "ops", default="TOVA_OPS"),
                database_name=self.optional(ops, "database_name", (str,), "ops"),
            ),
            migrations=tuple(
                Migration(
                    binding=self.text(m, "binding", where),
                    database_name=self.text(m, "database_name", where),
                    dir=(base_dir / self.text(m, "dir", where)).resolve(),
                )
                for where, m in self.items(data, "migrations", "manifest")
            ),
            queues=tuple(self.queue(q, where) for where, q in self.items(data, "queues", "manifest")),
            workers=tuple(self.worker(w, where) for where, w in self.items(data, "workers", "manifest")),
            raw=data,
        )

    def queue(self, data: Mapping[str, Any], where: str) -> Queue:
        consumer = data.get("consumer")
        if consumer is not None:
            c = self.obj(consumer, f"{where}.consumer")
            cw = f"{where}.consumer"
            consumer = Consumer(
                worker=self.text(c, "worker", cw),
                max_batch_size=self.optional(c, "max_batch_size", (int,), cw),
                max_batch_timeout=self.optional(c, "max_batch_timeout", (int, float), cw),
                max_retries=self.optional(c, "max_retries", (int,), cw),
                retry_delay=self.optional(c, "retry_delay", (int, float), cw),
                dead_letter_queue=self.optional(c, "dead_letter_queue", (str,), cw),
                max_concurrency=self.optional(c, "max_concurrency", (int,), cw),
            )
        return Queue(
            name=self.text(data, "name", where),
            binding=self.text(data, "binding", where, default=""),
            producers=self.strings(data, "producers", where),
            consumer=consumer,
            dead_letter_for=self.optional(data, "dead_letter_for", (str,), where),
        )

    def worker(self, data: Mapping[str, Any], where: str) -> Worker:
        health = self.obj(data.get("health") or {}, f"{where}.health")
        return Worker(
            block=self.text(data, "block", where),
            name=self.text(data, "name", where),
            module=self.text(data, "module", where, default=""),
            config=self.text(data, "config", where, default=""),
            health=Health(
                path=self.text(health, "path", f"{where}.health", default="/healthz"),
                checks=self.strings(health, "checks", f"{where}.health"),
            ),
            routes=tuple(
                Route(method=self.text(r, "method", w).upper(), path=self.text(r, "path", w))
                for w, r in self.items(data, "routes", where)
            ),
            bindings=tuple(
                Binding(
                    kind=self.text(b, "kind", w),
                    name=self.text(b, "name", w),
                    ops=bool(b.get("ops", False)),
                    details={k: v for k, v in b.items() if k not in ("kind", "name", "ops")},
                )
                for w, b in self.items(data, "bindings", where)
            ),
            vars={str(k): str(v) for k, v in self.obj(data.get("vars") or {}, f"{where}.vars").items()},
            secrets=self.strings(data, "secrets", where),
            schedules=tuple(
                Schedule(name=self.text(s, "name", w), cron=self.text(s, "cron", w))
                for w, s in self.items(data, "schedules", where)
            ),
            consumes=self.strings(data, "consumes", where),
            dead_letter_stores=self.strings(data, "dead_letter_stores", where),
        )
