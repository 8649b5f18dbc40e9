"""The Cloudflare target: the workers as deployed on the account named by the environment.

It reads the deploy state (URLs, queue ids, the admin token) that `tova deploy` wrote, adds the two
sources only the account can answer (live queue metrics and GraphQL analytics), and deploys on request
(the console asks for confirmation first). Health, stats, dead letters and crons go through the
workers' own URLs, as on the local target.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Mapping

import httpx

from console.sources.base import Source
from console.targets.base import Progress
from console.targets.cloudflare.analytics import analytics_sources
from console.targets.cloudflare.client import (CloudflareError, Credentials, async_client, call,
                                                credentials_from_env, list_all, sync_client)
from console.targets.cloudflare.deploy import Deployer, load_manifest
from console.targets.cloudflare.queue_metrics import QueueMetricsSource
from console.targets.cloudflare.state import DeployState, deploy_lock, state_path
from console.targets.cloudflare.tail_source import TailSource
from console.targets.cloudflare.throttle import ApiGate


class CloudflareTarget:
    name = "cloudflare"

    def __init__(self, project: Any, env: Mapping[str, str] | None = None, *, live_logs: bool = True) -> None:
        self.project = project
        self.env = os.environ if env is None else env
        self.manifest_path = Path(project.manifest_path)
        self.root = Path(project.root)
        self.manifest = load_manifest(self.manifest_path)
        self.creds: Credentials | None = None
        self.state: DeployState | None = None
        self._client: Any = None
        self.gate = ApiGate()
        self.live_logs = live_logs  # the console tails production; one-shot CLI twins do not
        self._tail: TailSource | None = None

    def _credentials(self) -> Credentials:
        if self.creds is None:
            self.creds = credentials_from_env(self.env)
        return self.creds

    def _load_state(self) -> DeployState:
        creds = self._credentials()
        self.state = DeployState.load(state_path(self.root, self.manifest["project"], creds.account_id), self.manifest["project"], creds.account_id)
        return self.state

    async def start(self, progress: Progress) -> None:
        state = self._load_state()
        if not state.urls:
            # on-call from another machine: no state here, but the account knows where the workers are
            found = await asyncio.to_thread(self._discover, state)
            if found:
                progress(f"no deploy state for {self.manifest['project']} here; found {found} of its workers on the "
                         "account (dead letters and manual crons need the admin token from the machine that deployed: "
                         f"copy {state.path.relative_to(self.root)} from there, or deploy from here)")
                return
            progress(f"{self.manifest['project']} is not deployed on account {self._credentials().account_short} yet: "
                     f"run `tova deploy {self.manifest.get('source', 'FILE.tova')}` (or the console's deploy action)")
        else:
            progress(f"watching {len(state.urls)} workers on {state.subdomain}.workers.dev")

    def _discover(self, state: DeployState) -> int:
        """Fill the in-memory state (never saved) with what the account says of this project's workers
        and queues, by name; reads only. Returns how many of the workers exist."""
        creds = self._credentials()
        client = sync_client(creds)
        try:
            subdomain = call(creds, "read the account's workers.dev subdomain", client.workers.subdomains.with_raw_response.get,
                             account_id=creds.account_id).result or {}
            scripts = list_all(creds, "list workers", client.workers.scripts.with_raw_response.list, per_page=None,
                               account_id=creds.account_id)
            queues = list_all(creds, "list queues", client.queues.with_raw_response.list, per_page=None,
                              account_id=creds.account_id)
        except CloudflareError:
            return 0  # the console still starts; its sources will say what is wrong
        finally:
            client.close()
        present = {s["id"] for s in scripts}
        found = [w for w in self.manifest.get("workers", []) if w["name"] in present]
        if not found or not subdomain.get("subdomain"):
            return 0
        state.subdomain = subdomain["subdomain"]
        for w in found:
            state.urls[w["block"]] = f"https://{w['name']}.{state.subdomain}.workers.dev"
            state.scripts[w["name"]] = {}
        wanted = {q["name"] for q in self.manifest.get("queues", [])}
        state.queues.update({q["queue_name"]: q["queue_id"] for q in queues if q.get("queue_name") in wanted})
        return len(found)

    async def stop(self) -> None:
        if self._tail is not None:
            await self._tail.close()  # deletes the tails on the account before the client goes
            self._tail = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    def worker_urls(self) -> dict[str, str]:
        return dict(self.state.urls) if self.state else {}

    def secret(self, name: str) -> str | None:
        return self.state.secret_values.get(name) if self.state else None

    def label(self) -> str:
        n = len(self.manifest.get("workers", []))
        if self.creds is None:
            return f"cloudflare · {n} workers"
        deployed = "" if self.state and self.state.urls else " · not deployed"
        return f"cloudflare · account {self.creds.account_short} · {n} workers{deployed}"

    def sources(self, http: httpx.AsyncClient) -> list[Source]:
        state = self.state or self._load_state()
        creds = self._credentials()
        queue_ids = {q["name"]: state.queues[q["name"]] for q in self.manifest.get("queues", []) if q["name"] in state.queues}
        scripts = {w["block"]: w["name"] for w in self.manifest.get("workers", []) if w["name"] in state.scripts}
        if self._client is None:
            self._client = async_client(creds)
        sources: list[Source] = []
        if queue_ids:
            sources.append(QueueMetricsSource(creds, self._client, queue_ids, self.gate))
        sources += analytics_sources(creds, http, queue_ids, scripts, self.gate, deployed_at=state.deployed_at)
        if self.live_logs and scripts:
            if self._tail is None:
                self._tail = TailSource(creds, self._client, scripts)
            sources.append(self._tail)
        return sources

    def deployer(self, progress: Progress) -> Deployer:
        creds = self._credentials()
        state = self._load_state()
        return Deployer(self.manifest, self.manifest_path.parent, state, creds, sync_client(creds), progress, self.env)

    async def deploy(self, progress: Progress) -> str:
        """Survey, then apply (the console has asked for confirmation). Runs the blocking SDK in a thread."""

        def run() -> str:
            creds = self._credentials()
            with deploy_lock(state_path(self.root, self.manifest["project"], creds.account_id)):
                deployer = self.deployer(progress)
                plan = deployer.survey()
                for line in plan.render().splitlines():
                    progress(line)
                if plan.empty:
                    return "nothing to change: the account matches the program"
                return deployer.apply(plan)

        result = await asyncio.to_thread(run)
        self._load_state()
        return result

    async def plan(self, progress: Progress) -> str:
        """What a deploy would change, read from the account; changes nothing (for a confirmation)."""
        return (await asyncio.to_thread(lambda: self.deployer(progress).survey())).render()
