"""What the Cloudflare tests share: credentials for the fake account and a built project (a hand-written
manifest.json in the shape of docs/contracts.md §1, its modules and migrations).

A module of its own, not conftest.py: every test folder has a conftest, and `import conftest` finds
whichever came first."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

TOKEN = "cf-test-token-Zq8v1xS3cr3t-do-not-print"
ACCOUNT = "0123456789abcdef0123456789abcdef"

MANIFEST: dict[str, Any] = {
    "version": 1,
    "project": "pipeline",
    "source": "pipeline.tova",
    "compatibility_date": "2025-09-01",
    "compatibility_flags": [],
    "ops": {"prefix": "/__tova", "token_secret": "TOVA_ADMIN_TOKEN", "d1_binding": "TOVA_OPS",
            "database_name": "pipeline-tova-ops"},
    "migrations": [{"binding": "DB", "database_name": "pipeline", "dir": "../migrations"}],
    "queues": [
        {"name": "process-queue", "binding": "PROCESS_QUEUE", "producers": ["api"],
         "consumer": {"worker": "processor", "max_batch_size": 5, "max_batch_timeout": 2, "max_retries": 2,
                      "retry_delay": 10, "dead_letter_queue": "process-dlq", "max_concurrency": None},
         "dead_letter_for": None},
        {"name": "process-dlq", "binding": None, "producers": [],
         "consumer": {"worker": "processor", "max_batch_size": None, "max_batch_timeout": None, "max_retries": None,
                      "retry_delay": None, "dead_letter_queue": None, "max_concurrency": None},
         "dead_letter_for": "process-queue"},
    ],
    "workers": [
        {
            "block": "api", "name": "pipeline-api", "module": "pipeline.edge.api.js", "config": "wrangler.api.toml",
            "health": {"path": "/healthz", "checks": ["check_memory"]},
            "routes": [{"method": "POST", "path": "/api/images"}, {"method": "GET", "path": "/api/stats"}],
            "bindings": [
                {"kind": "kv", "name": "METADATA", "id": "TODO_METADATA_ID"},
                {"kind": "d1", "name": "DB", "database_name": "pipeline", "database_id": "TODO_DB_ID"},
                {"kind": "r2", "name": "IMAGES", "bucket_name": "images"},
                {"kind": "queue", "name": "PROCESS_QUEUE", "queue": "process-queue"},
                {"kind": "d1", "name": "TOVA_OPS", "database_name": "pipeline-tova-ops",
                 "database_id": "TODO_TOVA_OPS_ID", "ops": True},
            ],
            "vars": {"MAX_FILE_SIZE": "10485760"},
            "secrets": ["API_KEY", "TOVA_ADMIN_TOKEN"],
            "schedules": [],
            "consumes": [],
            "dead_letter_stores": [],
        },
        {
            "block": "processor", "name": "pipeline-processor", "module": "pipeline.edge.processor.js",
            "config": "wrangler.processor.toml",
            "health": {"path": "/healthz", "checks": []},
            "routes": [],
            "bindings": [
                {"kind": "kv", "name": "METADATA", "id": "TODO_METADATA_ID"},
                {"kind": "d1", "name": "DB", "database_name": "pipeline", "database_id": "TODO_DB_ID"},
                {"kind": "r2", "name": "IMAGES", "bucket_name": "images"},
                {"kind": "queue", "name": "PROCESS_QUEUE", "queue": "process-queue"},
                {"kind": "d1", "name": "TOVA_OPS", "database_name": "pipeline-tova-ops",
                 "database_id": "TODO_TOVA_OPS_ID", "ops": True},
            ],
            "vars": {},
            "secrets": ["TOVA_ADMIN_TOKEN"],
            "schedules": [{"name": "daily-report", "cron": "0 9 * * *"}],
            "consumes": ["process-queue", "process-dlq"],
            "dead_letter_stores": ["process-dlq"],
        },
    ],
}

MIGRATION = """CREATE TABLE images (
  id TEXT PRIMARY KEY,
  original_key TEXT NOT NULL,
  processed_key TEXT,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
"""


def write_project(root: Path, manifest: dict[str, Any] | None = None) -> SimpleNamespace:
    """A built project as the compiler leaves it: <root>/.tova-out/manifest.json + modules, <root>/migrations."""
    manifest = copy.deepcopy(manifest or MANIFEST)
    out = root / ".tova-out"
    out.mkdir(parents=True, exist_ok=True)
    for w in manifest["workers"]:
        (out / w["module"]).write_text(f"export default {{ fetch() {{ return new Response({w['block']!r}); }} }};\n")
    (root / "migrations").mkdir(exist_ok=True)
    (root / "migrations" / "0001_images.sql").write_text(MIGRATION)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return SimpleNamespace(root=root, out_dir=out, manifest_path=out / "manifest.json", name=manifest["project"])
