"""What the built program asks of the account: its resources by name, its migrations, its secrets, and
each worker's upload (metadata and module), with the ids the account or the deploy state know.

``DeployBase`` holds one deploy's inputs; the survey and the provisioning build on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from console.targets.cloudflare.client import Credentials, Reply, call
from console.targets.cloudflare.plan import Remote
from console.targets.cloudflare.state import DeployState

Progress = Callable[[str], None]

KEEP_BINDINGS = ["secret_text", "secret_key"]  # an upload keeps secrets; they are set on their own
MODULE_TYPE = "application/javascript+module"


class DeployError(Exception):
    pass


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def kv_title(project: str, binding: str) -> str:
    return f"{project}-{binding.lower().replace('_', '-')}"


def placeholder(value: Any) -> bool:
    return not value or (isinstance(value, str) and value.startswith("TODO_"))


@dataclass(frozen=True)
class Migration:
    database: str
    name: str
    path: Path

    def sql(self) -> str:
        """The statements, as D1 should see them whatever editor wrote the file: a byte-order mark and
        CRLF line ends (Windows) would otherwise reach SQLite inside string literals and comments."""
        text = self.path.read_bytes().decode("utf-8-sig")
        return text.replace("\r\n", "\n").replace("\r", "\n").strip().rstrip(";")


class DeployBase:
    """One deploy of one built project (``manifest`` is manifest.json, ``manifest_dir`` its folder)."""

    def __init__(self, manifest: Mapping[str, Any], manifest_dir: Path, state: DeployState, creds: Credentials,
                 client: Any, progress: Progress = lambda _: None, env: Mapping[str, str] | None = None) -> None:
        self.m = manifest
        self.dir = Path(manifest_dir)
        self.state = state
        self.creds = creds
        self.cf = client
        self.progress = progress
        self.env = env or {}
        self.account = creds.account_id
        self.remote = Remote()
        self.workers: list[Mapping[str, Any]] = list(manifest.get("workers", []))
        self.project = str(manifest["project"])
        self.secret_origin: dict[str, str] = {}  # for the plan: where a secret's value comes from

    def _call(self, what: str, method: Callable[..., Any], **kwargs: Any) -> Reply:
        return call(self.creds, what, method, account_id=self.account, **kwargs)

    # ----- resources by name

    def wanted_kv(self) -> dict[str, str]:
        """binding -> namespace title, for KV bindings without a real id in the program."""
        return {b["name"]: kv_title(self.project, b["name"]) for w in self.workers for b in w.get("bindings", [])
                if b.get("kind") == "kv" and placeholder(b.get("id"))}

    def given_d1(self) -> dict[str, str]:
        """database name -> id, for databases the program names by a real id (``sql DB { id: "..." }``)."""
        return {b["database_name"]: b["database_id"] for w in self.workers for b in w.get("bindings", [])
                if b.get("kind") == "d1" and not placeholder(b.get("database_id"))}

    def wanted_d1(self) -> list[str]:
        names = [b["database_name"] for w in self.workers for b in w.get("bindings", []) if b.get("kind") == "d1"]
        names += [m["database_name"] for m in self.m.get("migrations", [])]
        given = self.given_d1()
        return [n for n in dict.fromkeys(names) if n not in given]

    def wanted_r2(self) -> list[str]:
        return list(dict.fromkeys(b["bucket_name"] for w in self.workers for b in w.get("bindings", [])
                                  if b.get("kind") == "r2"))

    def wanted_queues(self) -> list[str]:
        names = [q["name"] for q in self.m.get("queues", [])]
        names += [b["queue"] for w in self.workers for b in w.get("bindings", []) if b.get("kind") == "queue"]
        names += [q["consumer"]["dead_letter_queue"] for q in self.m.get("queues", [])
                  if q.get("consumer") and q["consumer"].get("dead_letter_queue")]
        return list(dict.fromkeys(names))

    def migrations(self) -> list[Migration]:
        found = []
        for entry in self.m.get("migrations", []):
            folder = (self.dir / entry["dir"]).resolve()
            if not folder.is_dir():
                raise DeployError(f"migrations folder {folder} (for database {entry['database_name']}) does not exist")
            found += [Migration(entry["database_name"], p.name, p) for p in sorted(folder.glob("*.sql"))]
        return found

    def block_script(self, block: str) -> str:
        for w in self.workers:
            if w["block"] == block:
                return str(w["name"])
        raise DeployError(f"the manifest names a consumer block {block!r} that is not one of its workers")

    # what the account says wins over the state: a resource recreated by hand has a new id
    def _known_kv(self, title: str) -> str | None:
        return self.remote.kv.get(title) or self.state.kv.get(title)

    def _known_d1(self, name: str) -> str | None:
        return self.given_d1().get(name) or self.remote.d1.get(name) or self.state.d1.get(name)

    # ----- secrets and uploads

    def secret_value(self, name: str) -> str:
        """A program secret comes from the environment when set there (API_KEY=... tova deploy), else it is
        generated once and kept in the state; the ops token is always generated."""
        token_secret = self.m.get("ops", {}).get("token_secret", "TOVA_ADMIN_TOKEN")
        if name != token_secret and self.env.get(name):
            self.state.secret_values[name] = self.env[name]
            self.secret_origin[name] = "from the environment"
        elif name not in self.state.secret_values:
            self.secret_origin[name] = "generated"
        return self.state.secret(name)

    def script_upload(self, worker: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
        """The metadata and module bytes of one worker, with the placeholder ids replaced."""
        bindings: list[dict[str, Any]] = []
        for b in worker.get("bindings", []):
            kind, name = b.get("kind"), b["name"]
            if kind == "kv":
                ns = b.get("id") if not placeholder(b.get("id")) else self._known_kv(kv_title(self.project, name))
                bindings.append({"type": "kv_namespace", "name": name, "namespace_id": ns})
            elif kind == "d1":
                db = b.get("database_id") if not placeholder(b.get("database_id")) else self._known_d1(b["database_name"])
                bindings.append({"type": "d1", "name": name, "id": db, "database_id": db})
            elif kind == "r2":
                bindings.append({"type": "r2_bucket", "name": name, "bucket_name": b["bucket_name"]})
            elif kind == "queue":
                bindings.append({"type": "queue", "name": name, "queue_name": b["queue"]})
            elif kind == "ai":
                bindings.append({"type": "ai", "name": name})  # the real Workers AI, billed to the account
            else:
                raise DeployError(f"worker {worker['name']}: binding {name} has a kind this deploy does not know: {kind!r}")
        for key, value in (worker.get("vars") or {}).items():
            bindings.append({"type": "plain_text", "name": key, "text": str(value)})
        metadata = {
            "main_module": worker["module"],
            "compatibility_date": self.m.get("compatibility_date"),
            "compatibility_flags": list(self.m.get("compatibility_flags") or []),
            "bindings": bindings,
            "keep_bindings": KEEP_BINDINGS,
        }
        path = self.dir / worker["module"]
        try:
            module = path.read_bytes()
        except OSError as exc:
            raise DeployError(f"worker {worker['name']}: cannot read its module {path} ({exc.strerror})") from None
        return metadata, module

    @staticmethod
    def script_hash(metadata: Mapping[str, Any], module: bytes) -> str:
        return sha(json.dumps(metadata, sort_keys=True) + "\0" + sha(module))
