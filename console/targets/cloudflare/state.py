"""The deploy state file: what `tova deploy` made on one account for one project, so the next deploy
changes only what changed and the console knows the URLs, queue ids and the admin token.

One JSON file per project and account, ``<dir>/.tova/cloudflare-<project>-<account>.deploy-state.json``,
mode 0600 (it holds the generated secrets, never the API token), written whole to a temporary file and
renamed after every step of a deploy so a deploy that fails midway leaves a state the next one resumes.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

VERSION = 1


class StateError(Exception):
    pass


def state_path(project_root: Path, project: str, account_id: str) -> Path:
    # per project too: two programs in one folder must not share resource ids
    return Path(project_root) / ".tova" / f"cloudflare-{project}-{account_id}.deploy-state.json"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class DeployState:
    path: Path
    project: str
    account_id: str
    kv: dict[str, str] = field(default_factory=dict)  # namespace title -> id
    d1: dict[str, str] = field(default_factory=dict)  # database name -> uuid
    r2: list[str] = field(default_factory=list)  # bucket names known to exist
    queues: dict[str, str] = field(default_factory=dict)  # queue name -> queue_id
    migrations: dict[str, list[str]] = field(default_factory=dict)  # database name -> applied file names
    scripts: dict[str, dict[str, Any]] = field(default_factory=dict)  # script -> {hash, etag}
    secret_values: dict[str, str] = field(default_factory=dict)  # secret name -> value (generated or given)
    secrets_set: dict[str, dict[str, str]] = field(default_factory=dict)  # script -> {name: sha256 of value}
    schedules: dict[str, list[str]] = field(default_factory=dict)  # script -> crons
    consumers: dict[str, dict[str, Any]] = field(default_factory=dict)  # queue -> {id, script, settings}
    subdomain: str | None = None  # the account's workers.dev subdomain
    urls: dict[str, str] = field(default_factory=dict)  # block -> https://<script>.<subdomain>.workers.dev
    deployed_at: float | None = None  # epoch seconds of the last complete deploy

    @classmethod
    def load(cls, path: Path, project: str, account_id: str) -> DeployState:
        if not path.exists():
            return cls(path=path, project=project, account_id=account_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"{path}: cannot read the deploy state ({exc}); move it aside to start over") from None
        if data.get("version") != VERSION or data.get("account_id") != account_id or data.get("project") != project:
            raise StateError(f"{path}: not a version-{VERSION} deploy state of {project} on account {account_id}; "
                             "move it aside to start over")
        state = cls(path=path, project=project, account_id=account_id)
        for name in ("kv", "d1", "r2", "queues", "migrations", "scripts", "secret_values", "secrets_set",
                     "schedules", "consumers", "subdomain", "urls", "deployed_at"):
            if name in data:
                setattr(state, name, data[name])
        return state

    def secret(self, name: str) -> str:
        """The value of a secret, generated once and kept (``TOVA_ADMIN_TOKEN`` and the program's own)."""
        if name not in self.secret_values:
            self.secret_values[name] = new_secret()
        return self.secret_values[name]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION, "project": self.project, "account_id": self.account_id,
            "kv": self.kv, "d1": self.d1, "r2": sorted(self.r2), "queues": self.queues,
            "migrations": self.migrations, "scripts": self.scripts, "secret_values": self.secret_values,
            "secrets_set": self.secrets_set, "schedules": self.schedules, "consumers": self.consumers,
            "subdomain": self.subdomain, "urls": self.urls, "deployed_at": self.deployed_at,
        }

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        # created 0600 from the start: the file holds secrets from its first byte
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, indent=2, sort_keys=True)
            f.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


@contextmanager
def deploy_lock(path: Path) -> Iterator[None]:
    """One deploy at a time per state file: two at once would each create what the other is creating."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateError(f"another deploy of this project to this account is running (lock {lock_path}); "
                             "wait for it to finish") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
