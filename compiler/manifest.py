"""manifest.json (contracts §1): the one description of the project the console and deployer read."""

from __future__ import annotations

import os
from pathlib import Path

from compiler import naming
from compiler.resolve.model import ProjectModel

MANIFEST_VERSION = 1
CONSUMER_KEYS = ("max_batch_size", "max_batch_timeout", "max_retries", "retry_delay", "dead_letter_queue", "max_concurrency")


def binding_entry(binding) -> dict:
    return {"kind": binding.kind, "name": binding.name, **binding.resource}


def ops_binding(project: str) -> dict:
    return {
        "kind": "d1",
        "name": naming.OPS_BINDING,
        "database_name": naming.ops_database_name(project),
        "database_id": naming.id_placeholder(naming.OPS_BINDING),
        "ops": True,
    }


def migrations_dir(source_path: Path | None, out_dir: Path) -> str | None:
    """`migrations/` beside the .tova file, relative to the output folder, when it exists."""
    if source_path is None:
        return None
    folder = source_path.resolve().parent / "migrations"
    if not folder.is_dir():
        return None
    return Path(os.path.relpath(folder, out_dir.resolve())).as_posix()


def build_manifest(model: ProjectModel, source_name: str, migrations: str | None) -> dict:
    project = model.project
    queues = []
    for queue in model.queues:
        consumer = None
        if queue.consumer is not None:
            consumer = {"worker": queue.consumer.worker}
            consumer.update({key: queue.consumer.settings.get(key) for key in CONSUMER_KEYS})
        queues.append(
            {
                "name": queue.name,
                "binding": queue.binding,
                "producers": list(queue.producers),
                "consumer": consumer,
                "dead_letter_for": queue.dead_letter_for,
            }
        )
    workers = []
    for worker in model.workers:
        consumes = [q.name for q in model.queues if q.consumer is not None and q.consumer.worker == worker.key and q.consumer.handler is not None]
        workers.append(
            {
                "block": worker.key,
                "name": worker.script,
                "module": worker.module,
                "config": worker.config,
                "health": {"path": worker.health_path, "checks": list(worker.health_checks)},
                "routes": [{"method": r.method, "path": r.path} for r in worker.routes],
                "bindings": [binding_entry(b) for b in worker.bindings] + [ops_binding(project)],
                "vars": dict(worker.vars),
                "secrets": list(worker.secrets) + [naming.ADMIN_TOKEN_SECRET],
                "schedules": [{"name": s.name, "cron": s.cron} for s in worker.schedules],
                "consumes": consumes,
                "dead_letter_stores": list(worker.dead_letter_stores),
            }
        )
    migration_entries = []
    if migrations is not None and model.migrations_binding is not None:
        migration_entries.append({"binding": model.migrations_binding, "database_name": project, "dir": migrations})
    return {
        "version": MANIFEST_VERSION,
        "project": project,
        "source": source_name,
        "compatibility_date": naming.COMPATIBILITY_DATE,
        "compatibility_flags": [],
        "ops": {
            "prefix": naming.OPS_PREFIX,
            "token_secret": naming.ADMIN_TOKEN_SECRET,
            "d1_binding": naming.OPS_BINDING,
            "database_name": naming.ops_database_name(project),
        },
        "migrations": migration_entries,
        "queues": queues,
        "workers": workers,
    }
