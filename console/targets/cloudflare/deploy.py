"""`tova deploy` on Cloudflare: survey the account, show the plan, then make only what differs.

Two phases so nothing is created before a person has seen what will be:

- ``Deployer.survey()`` reads (lists of KV namespaces, D1 databases, R2 buckets, queues, scripts,
  consumers, schedules, secrets, workers.dev flags) and compares them with the manifest and the deploy
  state; it returns a ``Plan`` and changes nothing.
- ``Deployer.apply(plan)`` makes the changes in dependency order (resources, migrations, scripts,
  secrets, crons, workers.dev, consumers) and saves the state after every step, so a deploy that
  fails midway is finished by the next one.

"Nothing changed" is decided by comparing: scripts by a hash of module and metadata plus the remote
etag, secrets by a hash of their value plus the remote list, consumers and crons by their settings.
A second deploy with nothing changed therefore makes reads only.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from console.targets.cloudflare.client import CloudflareError, Credentials, Reply, call, list_all
from console.targets.cloudflare.state import DeployState

Progress = Callable[[str], None]

# The program's consumer keys (wrangler's names) -> the API's, with Cloudflare's defaults for unset ones.
CONSUMER_DEFAULTS = {"batch_size": 10, "max_wait_time_ms": 5000, "max_retries": 3, "retry_delay": 0, "max_concurrency": None}
KEEP_BINDINGS = ["secret_text", "secret_key"]  # an upload keeps secrets; they are set on their own
MIGRATIONS_TABLE = "d1_migrations"  # wrangler's table, so `wrangler d1 migrations list` agrees with us
MODULE_TYPE = "application/javascript+module"


class DeployError(Exception):
    pass


def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


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


def _same_settings(want: Mapping[str, Any], have: Mapping[str, Any] | None) -> bool:
    have = have or {}
    for key, value in want.items():
        remote = have.get(key, CONSUMER_DEFAULTS[key])
        if remote is None or value is None:
            if remote != value:
                return False
        elif float(remote) != float(value):
            return False
    return True


def kv_title(project: str, binding: str) -> str:
    return f"{project}-{binding.lower().replace('_', '-')}"


def _placeholder(value: Any) -> bool:
    return not value or (isinstance(value, str) and value.startswith("TODO_"))


@dataclass
class Change:
    kind: str  # "KV namespace", "D1 database", "worker", ...
    action: str  # "create", "update", "apply", "set", "enable"
    name: str
    detail: str = ""

    def line(self) -> str:
        mark = {"create": "+", "apply": "+", "enable": "+", "set": "~", "update": "~"}.get(self.action, " ")
        detail = f"  ({self.detail})" if self.detail else ""
        return f"  {mark} {self.action:<7} {self.kind:<13} {self.name}{detail}"


@dataclass
class Plan:
    project: str
    account: str
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)  # what a deploy leaves alone but a person should know

    @property
    def empty(self) -> bool:
        return not self.changes

    def add(self, kind: str, action: str, name: str, detail: str = "") -> None:
        self.changes.append(Change(kind, action, name, detail))

    def render(self) -> str:
        head = f"Plan for {self.project} on Cloudflare account {self.account}:"
        notes = [f"  ! {note}" for note in self.notes]
        if self.empty:
            return "\n".join([head, f"  nothing to change ({self.unchanged} resources up to date)", *notes])
        creates = sum(1 for c in self.changes if c.action in ("create", "apply", "enable"))
        lines = [head, *(c.line() for c in self.changes), *notes]
        lines.append(f"{creates} to create, {len(self.changes) - creates} to update, {self.unchanged} unchanged")
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


@dataclass(frozen=True)
class Migration:
    database: str
    name: str
    path: Path


class Deployer:
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

    # ----- what the program wants

    def wanted_kv(self) -> dict[str, str]:
        """binding -> namespace title, for KV bindings without a real id in the program."""
        return {b["name"]: kv_title(self.project, b["name"]) for w in self.workers for b in w.get("bindings", [])
                if b.get("kind") == "kv" and _placeholder(b.get("id"))}

    def given_d1(self) -> dict[str, str]:
        """database name -> id, for databases the program names by a real id (``sql DB { id: "..." }``)."""
        return {b["database_name"]: b["database_id"] for w in self.workers for b in w.get("bindings", [])
                if b.get("kind") == "d1" and not _placeholder(b.get("database_id"))}

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
                ns = b.get("id") if not _placeholder(b.get("id")) else self._known_kv(kv_title(self.project, name))
                bindings.append({"type": "kv_namespace", "name": name, "namespace_id": ns})
            elif kind == "d1":
                db = b.get("database_id") if not _placeholder(b.get("database_id")) else self._known_d1(b["database_name"])
                bindings.append({"type": "d1", "name": name, "id": db, "database_id": db})
            elif kind == "r2":
                bindings.append({"type": "r2_bucket", "name": name, "bucket_name": b["bucket_name"]})
            elif kind == "queue":
                bindings.append({"type": "queue", "name": name, "queue_name": b["queue"]})
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

    # what the account says wins over the state: a resource recreated by hand has a new id
    def _known_kv(self, title: str) -> str | None:
        return self.remote.kv.get(title) or self.state.kv.get(title)

    def _known_d1(self, name: str) -> str | None:
        return self.given_d1().get(name) or self.remote.d1.get(name) or self.state.d1.get(name)

    @staticmethod
    def script_hash(metadata: Mapping[str, Any], module: bytes) -> str:
        return _sha(json.dumps(metadata, sort_keys=True) + "\0" + _sha(module))

    def block_script(self, block: str) -> str:
        for w in self.workers:
            if w["block"] == block:
                return str(w["name"])
        raise DeployError(f"the manifest names a consumer block {block!r} that is not one of its workers")

    # ----- survey: reads only

    def _call(self, what: str, method: Callable[..., Any], **kwargs: Any) -> Reply:
        return call(self.creds, what, method, account_id=self.account, **kwargs)

    def survey(self) -> Plan:
        cf, r = self.cf, self.remote
        plan = Plan(self.project, self.creds.account_short)
        self.progress("reading the account")
        try:
            sub = self._call("read the account's workers.dev subdomain", cf.workers.subdomains.with_raw_response.get)
            r.subdomain = (sub.result or {}).get("subdomain") or None
        except CloudflareError as exc:
            if exc.status != 404:
                raise
        if not r.subdomain:
            raise DeployError("this account has no workers.dev subdomain yet: choose one in the Cloudflare "
                              "dashboard (Workers & Pages) once, then deploy again")

        if self.wanted_kv():
            r.kv = {ns["title"]: ns["id"] for ns in list_all(
                self.creds, "list KV namespaces", cf.kv.namespaces.with_raw_response.list, account_id=self.account)}
        for title in dict.fromkeys(self.wanted_kv().values()):
            self._count(plan, title in r.kv, "KV namespace", title)

        if self.wanted_d1():
            r.d1 = {db["name"]: db["uuid"] for db in list_all(
                self.creds, "list D1 databases", cf.d1.database.with_raw_response.list, account_id=self.account)}
        for name in self.wanted_d1():
            self._count(plan, name in r.d1, "D1 database", name)

        if self.wanted_r2():
            r.r2 = self._r2_buckets()
        for name in self.wanted_r2():
            self._count(plan, name in r.r2, "R2 bucket", name)

        queues = self.wanted_queues()
        if queues:
            listed = self._call("list queues", cf.queues.with_raw_response.list).result or []
            r.queues = {q["queue_name"]: q["queue_id"] for q in listed}
        for name in queues:
            self._count(plan, name in r.queues, "queue", name)

        for mig in self._pending_migrations():
            plan.add("migration", "apply", f"{mig.database}/{mig.name}")

        listed = self._call("list workers", cf.workers.scripts.with_raw_response.list).result or []
        r.scripts = {s["id"]: s.get("etag") for s in listed}
        for w in self.workers:
            self._survey_worker(plan, w)
        ours = {str(w["name"]) for w in self.workers}
        for script in sorted(set(self.state.scripts) - ours):
            if script in r.scripts:
                plan.notes.append(f"worker {script} was deployed from this program before and is no longer in it; "
                                  f"it is left running (delete it in the dashboard or with `wrangler delete --name {script}`)")

        for q in self.m.get("queues", []):
            if q.get("consumer"):
                self._survey_consumer(plan, q)
        return plan

    def _count(self, plan: Plan, exists: bool, kind: str, name: str) -> None:
        if exists:
            plan.unchanged += 1
        else:
            plan.add(kind, "create", name)

    def _r2_buckets(self) -> set[str]:
        # the SDK's bucket list does not page; the cursor is only in the raw envelope
        names: set[str] = set()
        cursor = None
        while True:
            kwargs = {"per_page": 1000} | ({"cursor": cursor} if cursor else {})
            reply = self._call("list R2 buckets", self.cf.r2.buckets.with_raw_response.list, **kwargs)
            names |= {b["name"] for b in (reply.result or {}).get("buckets", [])}
            cursor = reply.result_info.get("cursor")
            if not cursor:
                return names

    def _pending_migrations(self) -> list[Migration]:
        pending = []
        for mig in self.migrations():
            if mig.name in self.state.migrations.get(mig.database, []):
                continue
            if mig.database not in self.remote.applied:
                self.remote.applied[mig.database] = self._applied_remotely(mig.database)
            if mig.name in self.remote.applied[mig.database]:
                # applied by an earlier deploy whose state was lost: record, do not run twice
                self.state.migrations.setdefault(mig.database, []).append(mig.name)
                continue
            pending.append(mig)
        return pending

    def _applied_remotely(self, database: str) -> set[str]:
        db_id = self._known_d1(database)
        if db_id is None or (database not in self.remote.d1 and database not in self.given_d1()):
            return set()
        query = self.cf.d1.database.with_raw_response.query
        found = self._call(f"read migrations of {database}", query, database_id=db_id,
                           sql="SELECT name FROM sqlite_master WHERE type='table' AND name=?", params=[MIGRATIONS_TABLE])
        if not _rows(found):
            return set()
        rows = _rows(self._call(f"read migrations of {database}", query, database_id=db_id,
                                sql=f"SELECT name FROM {MIGRATIONS_TABLE}"))
        return {row["name"] for row in rows}

    def _survey_worker(self, plan: Plan, w: Mapping[str, Any]) -> None:
        cf, r, script = self.cf, self.remote, str(w["name"])
        exists = script in r.scripts
        metadata, module = self.script_upload(w)
        recorded = self.state.scripts.get(script, {})
        same = (exists and recorded.get("hash") == self.script_hash(metadata, module)
                and (recorded.get("etag") is None or recorded.get("etag") == r.scripts.get(script)))
        if not exists:
            plan.add("worker", "create", script, f"{len(metadata['bindings'])} bindings")
        elif not same:
            changed_outside = recorded.get("hash") == self.script_hash(metadata, module)
            plan.add("worker", "update", script, "changed outside tova" if changed_outside else "new code or bindings")
        else:
            plan.unchanged += 1

        names = list(w.get("secrets", []))
        if exists:
            listed = self._call(f"list secrets of {script}", cf.workers.scripts.secrets.with_raw_response.list,
                                script_name=script).result or []
            r.secrets[script] = {s["name"] for s in listed}
        recorded_secrets = self.state.secrets_set.get(script, {})
        values = {n: self.secret_value(n) for n in names}
        stale = [n for n in names if n not in r.secrets.get(script, set()) or recorded_secrets.get(n) != _sha(values[n])]
        if stale:
            plan.add("secrets", "set", script, ", ".join(
                f"{n} {self.secret_origin[n]}" if n in self.secret_origin else n for n in stale))
        elif names:
            plan.unchanged += 1

        crons = sorted(s["cron"] for s in w.get("schedules", []))
        if exists:
            got = self._call(f"read crons of {script}", cf.workers.scripts.schedules.with_raw_response.get,
                             script_name=script).result or {}
            r.schedules[script] = sorted(s["cron"] for s in got.get("schedules", []))
        if crons != r.schedules.get(script, []):
            plan.add("crons", "set", script, ", ".join(crons) or "none")
        elif crons:
            plan.unchanged += 1

        if exists:
            got = self._call(f"read the workers.dev route of {script}", cf.workers.scripts.subdomain.with_raw_response.get,
                             script_name=script).result or {}
            r.workers_dev[script] = bool(got.get("enabled"))
        if r.workers_dev.get(script):
            plan.unchanged += 1
        else:
            plan.add("workers.dev", "enable", script, f"{script}.{r.subdomain}.workers.dev")

    def _survey_consumer(self, plan: Plan, q: Mapping[str, Any]) -> None:
        name = q["name"]
        consumer = q["consumer"]
        script = self.block_script(consumer["worker"])
        want = consumer_settings(consumer)
        dlq = consumer.get("dead_letter_queue") or ""
        if name in self.remote.queues:
            listed = self._call(f"list consumers of {name}", self.cf.queues.consumers.with_raw_response.list,
                                queue_id=self.remote.queues[name]).result or []
            self.remote.consumers[name] = [c for c in listed if c.get("type", "worker") == "worker"]
        current = self._current_consumer(name, script)
        summary = (f"-> {script}, batch {want['batch_size']}, wait {want['max_wait_time_ms']}ms, "
                   f"retries {want['max_retries']}" + (f", dlq {dlq}" if dlq else ""))
        if current is None:
            plan.add("consumer", "create", name, summary)
        elif (current.get("script_name") != script or (current.get("dead_letter_queue") or "") != dlq
              or not _same_settings(want, current.get("settings"))):
            plan.add("consumer", "update", name, summary)
        else:
            plan.unchanged += 1

    def _current_consumer(self, queue: str, script: str) -> dict[str, Any] | None:
        consumers = self.remote.consumers.get(queue, [])
        mine = [c for c in consumers if c.get("script_name") == script]
        # a queue has one worker consumer; one bound to another script is taken over, not duplicated
        return (mine or consumers or [None])[0]

    # ----- apply: the changes, in dependency order, state saved after each

    def apply(self, plan: Plan) -> str:
        wanted = {(c.kind, c.name): c for c in plan.changes}
        cf, st = self.cf, self.state
        st.subdomain = self.remote.subdomain

        for title in dict.fromkeys(self.wanted_kv().values()):
            self._find_or_create("KV namespace", title, self.remote.kv, st.kv, wanted,
                                 cf.kv.namespaces.with_raw_response.create, "id", title=title)
        for name in self.wanted_d1():
            self._find_or_create("D1 database", name, self.remote.d1, st.d1, wanted,
                                 cf.d1.database.with_raw_response.create, "uuid", name=name)
        for name in self.wanted_r2():
            if name not in self.remote.r2 and ("R2 bucket", name) in wanted:
                self.progress(f"creating R2 bucket {name}")
                self._call(f"create R2 bucket {name}", cf.r2.buckets.with_raw_response.create, name=name)
            if name not in st.r2:
                st.r2.append(name)
            st.save()
        for name in self.wanted_queues():
            self._find_or_create("queue", name, self.remote.queues, st.queues, wanted,
                                 cf.queues.with_raw_response.create, "queue_id", queue_name=name)

        for mig in self.migrations():
            if ("migration", f"{mig.database}/{mig.name}") in wanted:
                self._apply_migration(mig)

        for w in self.workers:
            self._apply_worker(w, wanted)

        for q in self.m.get("queues", []):
            if q.get("consumer") and (("consumer", q["name"]) in wanted):
                self._apply_consumer(q)

        for w in self.workers:
            st.urls[w["block"]] = f"https://{w['name']}.{self.remote.subdomain}.workers.dev"
        st.deployed_at = time.time()
        st.save()
        made = len(plan.changes)
        return (f"{self.project}: {made} change{'s' if made != 1 else ''}, "
                f"{len(self.workers)} worker{'s' if len(self.workers) != 1 else ''} on {self.remote.subdomain}.workers.dev")

    def _find_or_create(self, kind: str, resource: str, found: dict[str, str], saved: dict[str, str],
                        wanted: dict[tuple[str, str], Change], create: Callable[..., Any], id_key: str,
                        **params: Any) -> None:
        """Record the id of ``resource``: the account's when it exists, else the one made now when the
        accepted plan says to create it. State is saved after each, so a failed deploy resumes here."""
        if resource in found:
            saved[resource] = found[resource]
        elif (kind, resource) in wanted:
            self.progress(f"creating {kind} {resource}")
            what = f"create {kind} {resource}"
            saved[resource] = _field(self._call(what, create, **params), id_key, what)
        self.state.save()

    def _apply_migration(self, mig: Migration) -> None:
        db_id = self.given_d1().get(mig.database) or self.state.d1[mig.database]
        self.progress(f"applying migration {mig.name} to {mig.database}")
        sql = mig.path.read_text(encoding="utf-8").strip().rstrip(";")
        name = mig.name.replace("'", "''")
        # the migration and its record go in one request, so a failure cannot leave one without the other
        script = (f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                  "name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);\n"
                  f"{sql};\nINSERT INTO {MIGRATIONS_TABLE} (name) VALUES ('{name}');")
        self._call(f"apply migration {mig.name} to {mig.database}", self.cf.d1.database.with_raw_response.query,
                   database_id=db_id, sql=script)
        self.state.migrations.setdefault(mig.database, []).append(mig.name)
        self.state.save()

    def _apply_worker(self, w: Mapping[str, Any], wanted: Mapping[tuple[str, str], Change]) -> None:
        cf, st, script = self.cf, self.state, str(w["name"])
        if ("worker", script) in wanted:
            metadata, module = self.script_upload(w)
            self.progress(f"uploading worker {script} ({len(module) / 1024:.0f} KiB)")
            reply = self._call(f"upload worker {script}", cf.workers.scripts.with_raw_response.update,
                               script_name=script, metadata=metadata,
                               files=[(w["module"], module, MODULE_TYPE)])
            st.scripts[script] = {"hash": self.script_hash(metadata, module), "etag": (reply.result or {}).get("etag")}
            st.save()
        if ("secrets", script) in wanted:
            recorded = st.secrets_set.setdefault(script, {})
            for name in w.get("secrets", []):
                value = self.secret_value(name)
                if name in self.remote.secrets.get(script, set()) and recorded.get(name) == _sha(value):
                    continue
                self.progress(f"setting secret {name} on {script}")
                self._call(f"set secret {name} on {script}", cf.workers.scripts.secrets.with_raw_response.update,
                           script_name=script, name=name, text=value, type="secret_text")
                recorded[name] = _sha(value)
                st.save()
        if ("crons", script) in wanted:
            crons = sorted(s["cron"] for s in w.get("schedules", []))
            self.progress(f"setting crons of {script}: {', '.join(crons) or 'none'}")
            self._call(f"set crons of {script}", cf.workers.scripts.schedules.with_raw_response.update,
                       script_name=script, body=[{"cron": c} for c in crons])
            st.schedules[script] = crons
            st.save()
        if ("workers.dev", script) in wanted:
            self.progress(f"enabling {script}.{self.remote.subdomain}.workers.dev")
            self._call(f"enable workers.dev for {script}", cf.workers.scripts.subdomain.with_raw_response.create,
                       script_name=script, enabled=True)
        st.urls[w["block"]] = f"https://{script}.{self.remote.subdomain}.workers.dev"
        st.save()

    def _apply_consumer(self, q: Mapping[str, Any]) -> None:
        name, consumer = q["name"], q["consumer"]
        script = self.block_script(consumer["worker"])
        want = consumer_settings(consumer)
        # every key sent, defaults included: an update replaces the settings, and a null max_concurrency is
        # how the API is told "the platform's maximum" after a program stops setting one
        settings = dict(want)
        extra = {"dead_letter_queue": consumer["dead_letter_queue"]} if consumer.get("dead_letter_queue") else {}
        queue_id = self.state.queues[name]
        current = self._current_consumer(name, script)
        if current is None:
            self.progress(f"creating consumer {script} for queue {name}")
            reply = self._call(f"create consumer of {name}", self.cf.queues.consumers.with_raw_response.create,
                               queue_id=queue_id, script_name=script, type="worker", settings=settings, **extra)
        else:
            self.progress(f"updating consumer of queue {name}")
            reply = self._call(f"update consumer of {name}", self.cf.queues.consumers.with_raw_response.update,
                               consumer_id=current["consumer_id"], queue_id=queue_id, script_name=script,
                               type="worker", settings=settings, **extra)
        self.state.consumers[name] = {"id": (reply.result or {}).get("consumer_id"), "script": script, "settings": want,
                                      "dead_letter_queue": consumer.get("dead_letter_queue")}
        self.state.save()


def _field(reply: Reply, key: str, what: str) -> str:
    value = reply.result.get(key) if isinstance(reply.result, dict) else None
    if not value:
        raise CloudflareError(f"{what}: Cloudflare answered success without the new {key}")
    return str(value)


def _rows(reply: Reply) -> list[dict[str, Any]]:
    """The rows of the first statement of a D1 query answer."""
    results = reply.result or []
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return list(results[0].get("results") or [])
    return []


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"{path}: cannot read the manifest ({exc})") from None


__all__ = ["CloudflareError", "Change", "Deployer", "DeployError", "Plan", "consumer_settings", "load_manifest"]
