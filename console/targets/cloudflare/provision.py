"""The apply half of `tova deploy`: make the accepted plan's changes in dependency order (resources,
migrations, scripts, secrets, crons, workers.dev, consumers, then with ``--prune`` the deletions), saving
the state after every step so a deploy that fails midway is finished by the next one."""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from console.targets.cloudflare.client import CloudflareError, Reply
from console.targets.cloudflare.plan import Change, Plan, consumer_script, consumer_settings
from console.targets.cloudflare.program import MODULE_TYPE, DeployError, Migration, sha
from console.targets.cloudflare.survey import MIGRATIONS_TABLE, Survey

# The secrets API refuses while a worker's latest version is not fully deployed (gradual deployments);
# wrangler checks for the same code (VERSION_NOT_DEPLOYED_ERR_CODE in wrangler's secret command).
VERSION_NOT_DEPLOYED = 10215
WORKERS_DEV_RETRIES = 2  # three attempts in all, as wrangler's retryOnAPIFailure makes for this call


class Provision(Survey):
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

        deleted = 0
        if plan.prune:
            for orphan in plan.orphans:
                self._delete(orphan)
                deleted += 1

        for w in self.workers:
            st.urls[w["block"]] = f"https://{w['name']}.{self.remote.subdomain}.workers.dev"
        st.deployed_at = time.time()
        st.save()
        made = len(plan.changes) + deleted
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
        name = mig.name.replace("'", "''")
        # the migration and its record go in one request, so a failure cannot leave one without the other
        script = (f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                  "name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);\n"
                  f"{mig.sql()};\nINSERT INTO {MIGRATIONS_TABLE} (name) VALUES ('{name}');")
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
            self._apply_secrets(w)
        if ("crons", script) in wanted:
            crons = sorted(s["cron"] for s in w.get("schedules", []))
            self.progress(f"setting crons of {script}: {', '.join(crons) or 'none'}")
            self._call(f"set crons of {script}", cf.workers.scripts.schedules.with_raw_response.update,
                       script_name=script, body=[{"cron": c} for c in crons])
            st.schedules[script] = crons
            st.save()
        if ("workers.dev", script) in wanted:
            self.progress(f"enabling {script}.{self.remote.subdomain}.workers.dev")
            # this call fails now and then with an internal error that a retry clears (wrangler retries it)
            retrying = cf.with_options(max_retries=WORKERS_DEV_RETRIES)
            self._call(f"enable workers.dev for {script}", retrying.workers.scripts.subdomain.with_raw_response.create,
                       script_name=script, enabled=True)
        st.urls[w["block"]] = f"https://{script}.{self.remote.subdomain}.workers.dev"
        st.save()

    def _apply_secrets(self, w: Mapping[str, Any]) -> None:
        script = str(w["name"])
        recorded = self.state.secrets_set.setdefault(script, {})
        for name in w.get("secrets", []):
            value = self.secret_value(name)
            if name in self.remote.secrets.get(script, set()) and recorded.get(name) == sha(value):
                continue
            self.progress(f"setting secret {name} on {script}")
            try:
                self._call(f"set secret {name} on {script}", self.cf.workers.scripts.secrets.with_raw_response.update,
                           script_name=script, name=name, text=value, type="secret_text")
            except CloudflareError as exc:
                if f"code {VERSION_NOT_DEPLOYED}" in str(exc):
                    raise DeployError(
                        f"cannot set secret {name} on {script}: the worker is in a gradual deployment (its latest "
                        "version is not deployed to 100%), and Cloudflare refuses secret changes until it is. "
                        f"Finish or roll back the rollout first (`wrangler versions deploy --name {script}`, or the "
                        "dashboard's Deployments tab), then run `tova deploy` again: everything done so far is kept."
                    ) from None
                raise
            recorded[name] = sha(value)
            self.state.save()

    def _apply_consumer(self, q: Mapping[str, Any]) -> None:
        name, consumer = q["name"], q["consumer"]
        script = self.block_script(consumer["worker"])
        want = consumer_settings(consumer)
        # every key sent, defaults included: an update replaces the settings, and a null max_concurrency is
        # how the API is told "the platform's maximum" after a program stops setting one
        settings = dict(want)
        extra = {"dead_letter_queue": consumer["dead_letter_queue"]} if consumer.get("dead_letter_queue") else {}
        queue_id = self.state.queues[name]
        current = self.current_consumer(name, script)
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

    def _delete(self, orphan: Change) -> None:
        """One accepted deletion; the state forgets the resource only once the account has."""
        cf, st, r, name = self.cf, self.state, self.remote, orphan.name
        self.progress(f"deleting {orphan.kind} {name}")
        what = f"delete {orphan.kind} {name}"
        if orphan.kind == "consumer":
            script = st.consumers[name].get("script")
            for c in self.remote.consumers.get(name, []):
                if c.get("consumer_id") and consumer_script(c) == script:
                    self._call(what, cf.queues.consumers.with_raw_response.delete,
                               consumer_id=c["consumer_id"], queue_id=r.queues[name])
            st.consumers.pop(name, None)
        elif orphan.kind == "worker":
            self._call(what, cf.workers.scripts.with_raw_response.delete, script_name=name)
            for table in (st.scripts, st.secrets_set, st.schedules):
                table.pop(name, None)
        elif orphan.kind == "queue":
            self._call(what, cf.queues.with_raw_response.delete, queue_id=r.queues[name])
            st.queues.pop(name, None)
            st.consumers.pop(name, None)
        elif orphan.kind == "KV namespace":
            self._call(what, cf.kv.namespaces.with_raw_response.delete, namespace_id=r.kv[name])
            st.kv.pop(name, None)
        elif orphan.kind == "D1 database":
            self._call(what, cf.d1.database.with_raw_response.delete, database_id=r.d1[name])
            st.d1.pop(name, None)
            st.migrations.pop(name, None)
        elif orphan.kind == "R2 bucket":
            self._call(what, cf.r2.buckets.with_raw_response.delete, bucket_name=name)
            st.r2.remove(name)
        else:
            raise DeployError(f"{what}: this deploy does not know how to delete a {orphan.kind}")
        st.save()


def _field(reply: Reply, key: str, what: str) -> str:
    value = reply.result.get(key) if isinstance(reply.result, dict) else None
    if not value:
        raise CloudflareError(f"{what}: Cloudflare answered success without the new {key}")
    return str(value)
