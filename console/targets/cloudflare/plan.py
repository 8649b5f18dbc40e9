"""What a deploy will do, as data: the changes a survey found, what it read from the account, and the
consumer settings compared in the API's terms. Nothing here talks to Cloudflare."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

# The program's consumer keys (wrangler's names) -> the API's, with Cloudflare's defaults for unset ones.
CONSUMER_DEFAULTS = {"batch_size": 10, "max_wait_time_ms": 5000, "max_retries": 3, "retry_delay": 0, "max_concurrency": None}
CREATING = ("create", "apply", "enable")


def consumer_settings(consumer: Mapping[str, Any]) -> dict[str, Any]:
    """The API's consumer settings for the manifest's, defaults filled in so two can be compared."""
    timeout = consumer.get("max_batch_timeout")
    given = {
        "batch_size": consumer.get("max_batch_size"),
        "max_wait_time_ms": None if timeout is None else int(round(float(timeout) * 1000)),
        "max_retries": consumer.get("max_retries"),
        "retry_delay": consumer.get("retry_delay"),
        "max_concurrency": consumer.get("max_concurrency"),
    }
    return {k: (CONSUMER_DEFAULTS[k] if v is None else v) for k, v in given.items()}


def same_settings(want: Mapping[str, Any], have: Mapping[str, Any] | None) -> bool:
    have = have or {}
    for key, value in want.items():
        remote = have.get(key, CONSUMER_DEFAULTS[key])
        if remote is None or value is None:
            if remote != value:
                return False
        elif float(remote) != float(value):
            return False
    return True


def consumer_script(consumer: Mapping[str, Any]) -> str | None:
    """The worker a consumer delivers to. The SDK's type calls it ``script_name``; the API's answer (and
    wrangler, which reads it) says ``script``, or ``service`` for a service binding: read all three."""
    for key in ("script", "script_name", "service"):
        value = consumer.get(key)
        if value:
            return str(value)
    return None


@dataclass
class Change:
    kind: str  # "KV namespace", "D1 database", "worker", ...
    action: str  # "create", "update", "apply", "set", "enable", "delete"
    name: str
    detail: str = ""

    def line(self) -> str:
        mark = {"create": "+", "apply": "+", "enable": "+", "set": "~", "update": "~", "delete": "-"}.get(self.action, " ")
        detail = f"  ({self.detail})" if self.detail else ""
        return f"  {mark} {self.action:<7} {self.kind:<13} {self.name}{detail}"


@dataclass
class Plan:
    project: str
    account: str
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)  # what a deploy leaves alone but a person should know
    # made by earlier deploys of this program and no longer declared by it: deleted only with --prune
    orphans: list[Change] = field(default_factory=list)
    prune: bool = False

    @property
    def empty(self) -> bool:
        return not self.changes and not (self.prune and self.orphans)

    def add(self, kind: str, action: str, name: str, detail: str = "") -> None:
        self.changes.append(Change(kind, action, name, detail))

    def orphan(self, kind: str, name: str, detail: str = "") -> None:
        self.orphans.append(Change(kind, "delete", name, detail))

    def render(self) -> str:
        head = f"Plan for {self.project} on Cloudflare account {self.account}:"
        notes = [f"  ! {note}" for note in self.notes]
        if self.orphans and self.prune:
            orphans = [c.line() for c in self.orphans]
        elif self.orphans:
            orphans = ["  no longer in the program (kept; `tova deploy --prune` deletes them):",
                       *(f"    {c.kind} {c.name}" + (f"  ({c.detail})" if c.detail else "") for c in self.orphans)]
        else:
            orphans = []
        if self.empty:
            return "\n".join([head, f"  nothing to change ({self.unchanged} resources up to date)", *orphans, *notes])
        creates = sum(1 for c in self.changes if c.action in CREATING)
        deletes = len(self.orphans) if self.prune else 0
        lines = [head, *(c.line() for c in self.changes), *orphans, *notes]
        lines.append(f"{creates} to create, {len(self.changes) - creates} to update, "
                     + (f"{deletes} to delete, " if deletes else "") + f"{self.unchanged} unchanged")
        return "\n".join(lines)


@dataclass
class Remote:
    """What the survey read from the account, kept for apply so ids are not looked up twice."""

    subdomain: str | None = None
    kv: dict[str, str] = field(default_factory=dict)  # title -> id
    d1: dict[str, str] = field(default_factory=dict)  # name -> uuid
    r2: set[str] = field(default_factory=set)
    queues: dict[str, str] = field(default_factory=dict)  # name -> id
    scripts: dict[str, str | None] = field(default_factory=dict)  # name -> etag
    consumers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # queue name -> consumers
    schedules: dict[str, list[str]] = field(default_factory=dict)  # script -> crons
    secrets: dict[str, set[str]] = field(default_factory=dict)  # script -> names
    workers_dev: dict[str, bool] = field(default_factory=dict)  # script -> enabled
    applied: dict[str, set[str]] = field(default_factory=dict)  # database -> migration names applied
