"""Deployed names from Tova names (contracts §1): one place, so compiler and console agree."""

from __future__ import annotations

import re

_NOT_NAME = re.compile(r"[^a-z0-9-]+")


def kebab(text: str) -> str:
    """`PROCESS_QUEUE` -> `process-queue`, `My Project` -> `my-project`."""
    return _NOT_NAME.sub("-", text.lower().replace("_", "-")).strip("-")


def project_name(stem: str) -> str:
    return kebab(stem) or "tova"


def worker_name(project: str, block: str | None) -> str:
    return project if block is None else f"{project}-{kebab(block)}"


def module_file(stem: str, block: str | None) -> str:
    return f"{stem}.edge.js" if block is None else f"{stem}.edge.{block}.js"


def config_file(block: str | None) -> str:
    return "wrangler.toml" if block is None else f"wrangler.{block}.toml"


def queue_name(binding: str) -> str:
    return kebab(binding)


def queue_binding(queue: str) -> str:
    """The binding name the compiler gives a queue the program only names (a DLQ): `jobs-dlq` -> `JOBS_DLQ`."""
    return re.sub(r"[^A-Za-z0-9]+", "_", queue).upper().strip("_")


def bucket_name(binding: str) -> str:
    return kebab(binding)


def d1_database_name(project: str, binding: str) -> str:
    # The seed's single `sql DB` is the project's database; any further one gets its own name.
    return project if binding == "DB" else f"{project}-{kebab(binding)}"


def id_placeholder(binding: str) -> str:
    return f"TODO_{binding}_ID"


def ops_database_name(project: str) -> str:
    return f"{project}-tova-ops"


OPS_BINDING = "TOVA_OPS"
OPS_PREFIX = "/__tova"
ADMIN_TOKEN_SECRET = "TOVA_ADMIN_TOKEN"
COMPATIBILITY_DATE = "2025-09-01"
