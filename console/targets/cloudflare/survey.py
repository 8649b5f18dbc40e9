"""The survey half of `tova deploy`: read the account, compare it with the program and the deploy
state, and return a ``Plan``. Reads only; every list is read to its last page (wrangler's paging rule),
so an account with many queues or namespaces does not look as if ours were missing.
"""

from __future__ import annotations

from typing import Any, Mapping

from console.targets.cloudflare.client import CloudflareError, list_all
from console.targets.cloudflare.plan import Plan, consumer_script, consumer_settings, same_settings
from console.targets.cloudflare.program import DeployBase, DeployError, Migration, sha

MIGRATIONS_TABLE = "d1_migrations"  # wrangler's table, so `wrangler d1 migrations list` agrees with us


class Survey(DeployBase):
    def survey(self, *, prune: bool = False) -> Plan:
        cf, r, st = self.cf, self.remote, self.state
        plan = Plan(self.project, self.creds.account_short, prune=prune)
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

        if self.wanted_kv() or st.kv:
            r.kv = {ns["title"]: ns["id"] for ns in self._list("list KV namespaces", cf.kv.namespaces.with_raw_response.list)}
        for title in dict.fromkeys(self.wanted_kv().values()):
            self._count(plan, title in r.kv, "KV namespace", title)

        if self.wanted_d1() or st.d1:
            r.d1 = {db["name"]: db["uuid"] for db in self._list("list D1 databases", cf.d1.database.with_raw_response.list)}
        for name in self.wanted_d1():
            self._count(plan, name in r.d1, "D1 database", name)

        if self.wanted_r2() or st.r2:
            r.r2 = self._r2_buckets()
        for name in self.wanted_r2():
            self._count(plan, name in r.r2, "R2 bucket", name)

        queues = self.wanted_queues()
        if queues or st.queues:
            r.queues = {q["queue_name"]: q["queue_id"]
                        for q in self._list("list queues", cf.queues.with_raw_response.list, per_page=None)}
        for name in queues:
            self._count(plan, name in r.queues, "queue", name)

        for mig in self._pending_migrations():
            plan.add("migration", "apply", f"{mig.database}/{mig.name}")

        r.scripts = {s["id"]: s.get("etag")
                     for s in self._list("list workers", cf.workers.scripts.with_raw_response.list, per_page=None)}
        for w in self.workers:
            self._survey_worker(plan, w)

        for q in self.m.get("queues", []):
            if q.get("consumer"):
                self._survey_consumer(plan, q)
        self._survey_orphans(plan)
        return plan

    def _list(self, what: str, method: Any, per_page: int | None = 100, **kwargs: Any) -> list[Any]:
        return list_all(self.creds, what, method, per_page=per_page, account_id=self.account, **kwargs)

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
        if not rows(found):
            return set()
        names = rows(self._call(f"read migrations of {database}", query, database_id=db_id,
                                sql=f"SELECT name FROM {MIGRATIONS_TABLE}"))
        return {row["name"] for row in names}

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
            listed = self._list(f"list secrets of {script}", cf.workers.scripts.secrets.with_raw_response.list,
                                per_page=None, script_name=script)
            r.secrets[script] = {s["name"] for s in listed}
        recorded_secrets = self.state.secrets_set.get(script, {})
        values = {n: self.secret_value(n) for n in names}
        stale = [n for n in names if n not in r.secrets.get(script, set()) or recorded_secrets.get(n) != sha(values[n])]
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

    def _consumers_of(self, queue: str) -> list[dict[str, Any]]:
        if queue not in self.remote.consumers and queue in self.remote.queues:
            listed = self._list(f"list consumers of {queue}", self.cf.queues.consumers.with_raw_response.list,
                                per_page=None, queue_id=self.remote.queues[queue])
            self.remote.consumers[queue] = [c for c in listed if c.get("type", "worker") == "worker"]
        return self.remote.consumers.get(queue, [])

    def _survey_consumer(self, plan: Plan, q: Mapping[str, Any]) -> None:
        name = q["name"]
        consumer = q["consumer"]
        script = self.block_script(consumer["worker"])
        want = consumer_settings(consumer)
        dlq = consumer.get("dead_letter_queue") or ""
        self._consumers_of(name)
        current = self.current_consumer(name, script)
        summary = (f"-> {script}, batch {want['batch_size']}, wait {want['max_wait_time_ms']}ms, "
                   f"retries {want['max_retries']}" + (f", dlq {dlq}" if dlq else ""))
        if current is None:
            plan.add("consumer", "create", name, summary)
        elif (consumer_script(current) != script or (current.get("dead_letter_queue") or "") != dlq
              or not same_settings(want, current.get("settings"))):
            plan.add("consumer", "update", name, summary)
        else:
            plan.unchanged += 1

    def current_consumer(self, queue: str, script: str) -> dict[str, Any] | None:
        consumers = self.remote.consumers.get(queue, [])
        mine = [c for c in consumers if consumer_script(c) == script]
        # a queue has one worker consumer; one bound to another script is taken over, not duplicated
        return (mine or consumers or [None])[0]

    def _survey_orphans(self, plan: Plan) -> None:
        """What earlier deploys of this program made (the state says so) that it no longer declares and
        the account still has. Only those: a resource tova never made is never offered for deletion."""
        r, st = self.remote, self.state
        ours = {str(w["name"]) for w in self.workers}
        consuming = {q["name"] for q in self.m.get("queues", []) if q.get("consumer")}
        for queue, recorded in sorted(st.consumers.items()):
            if queue in consuming:
                continue
            script = recorded.get("script")
            found = [c for c in self._consumers_of(queue) if consumer_script(c) == script]
            if found:
                plan.orphan("consumer", queue, f"-> {script}")
        for script in sorted(set(st.scripts) - ours):
            if script in r.scripts:
                plan.orphan("worker", script, "its workers.dev URL, crons and secrets go with it")
        for name in sorted(set(st.queues) - set(self.wanted_queues())):
            if name in r.queues:
                plan.orphan("queue", name, "messages in it are lost")
        for title in sorted(set(st.kv) - set(self.wanted_kv().values())):
            if title in r.kv:
                plan.orphan("KV namespace", title, "its keys are deleted")
        for name in sorted(set(st.d1) - set(self.wanted_d1())):
            if name in r.d1:
                plan.orphan("D1 database", name, "its tables are deleted")
        for name in sorted(set(st.r2) - set(self.wanted_r2())):
            if name in r.r2:
                plan.orphan("R2 bucket", name, "must be empty to be deleted")


def rows(reply: Any) -> list[dict[str, Any]]:
    """The rows of the first statement of a D1 query answer."""
    results = reply.result or []
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return list(results[0].get("results") or [])
    return []
