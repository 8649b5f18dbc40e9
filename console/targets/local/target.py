"""The console's default target: the project's workers on workerd on this machine (no account needed).

``LocalTarget`` adapts ``LocalRuntime`` to the ``Target`` protocol (console/targets/base.py) and adds the
two sources only the local runtime has: per-worker heap from the V8 inspector (workerd's own
``process.memoryUsage()`` says zero) and the workers' log lines. A source that fails raises
``SourceError``; the poller marks it down and the console carries on.
"""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

import httpx

from console.project import Project
from console.sources.base import Contribution, Source, SourceError
from console.targets.base import Progress
from console.targets.local.installer import RuntimeInstallError
from console.targets.local.runtime import LocalRuntime, LocalRuntimeError, parse_memory
from console.targets.local.secrets import FILE_NAME

LOG_LINES_SHOWN = 200


class LocalTargetError(Exception):
    """The local runtime cannot be started; the message says why and what to do."""


class LocalTarget:
    name = "local"

    def __init__(
        self,
        project: Project,
        *,
        vars: Mapping[str, str] | None = None,
        ports: int | Mapping[str, int] | None = None,
    ) -> None:
        self.project = project
        self.runtime = LocalRuntime(
            project.manifest_path,
            secrets_path=project.root / FILE_NAME,
            state_dir=project.out_dir / "state",
            vars=vars,
            ports=ports,
            run_crons=True,  # what the console shows as "next run" should then happen, as in production
        )

    async def start(self, progress: Progress) -> None:
        loop = asyncio.get_running_loop()

        # The runtime reports from a worker thread; hand each line to the caller on its own loop, where a
        # UI may safely touch its widgets.
        def report(line: str) -> None:
            loop.call_soon_threadsafe(progress, line)

        try:
            if await asyncio.to_thread(self.runtime.attach):
                progress(f"attached to the local runtime already running for this project (runner pid "
                         f"{self.runtime.attached_pid}); it keeps running when this stops")
                return
            await asyncio.to_thread(self.runtime.start, report)
        except (LocalRuntimeError, RuntimeInstallError) as error:
            raise LocalTargetError(str(error)) from None

    async def stop(self) -> None:
        await asyncio.to_thread(self.runtime.stop)

    def worker_urls(self) -> dict[str, str]:
        return self.runtime.urls

    def secret(self, name: str) -> str | None:
        return self.runtime.secret(name)

    def label(self) -> str:
        count = len(self.project.manifest.workers)
        label = f"local · workerd · {count} worker{'s' if count != 1 else ''}"
        if self.runtime.attached_pid is not None:
            # its logs stream to the terminal of the process that owns it, not to this one
            label += f" · attached to pid {self.runtime.attached_pid}"
        return label

    async def trigger_scheduled(self, block: str, cron: str | None = None) -> str:
        """The worker's real scheduled handler, now (the ops route's cron-by-hand runs the same code)."""
        try:
            return await asyncio.to_thread(self.runtime.trigger_scheduled, block, cron)
        except LocalRuntimeError as error:
            raise LocalTargetError(str(error)) from None

    def sources(self, http: httpx.AsyncClient) -> list[Source]:
        return [RuntimeMemorySource(self.runtime, http), RuntimeLogsSource(self.runtime)]


class RuntimeMemorySource:
    """Each worker's isolate heap and the workerd process's RSS, through the runner's control endpoint."""

    name = "memory"

    def __init__(self, runtime: LocalRuntime, http: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.http = http

    async def poll(self) -> Contribution:
        if not self.runtime.running or not self.runtime.control_url:
            raise SourceError("the local runtime is not running")
        try:
            response = await self.http.get(self.runtime.control_url + "/memory", headers=self.runtime.control_headers)
            body: Any = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SourceError(f"local runtime memory: {error or type(error).__name__}") from None
        if response.status_code != 200 or not isinstance(body, dict):
            raise SourceError(f"local runtime memory: HTTP {response.status_code}")
        memory = parse_memory(body)
        return Contribution(memory=dict(memory.workers), runtime_rss=memory.rss)


class RuntimeLogsSource:
    """The most recent log lines of every worker (and of the runtime itself), oldest first.

    Debug lines (one per request, one per queue batch) are left to `tova dev`: the console's own polling
    of the stats endpoint would otherwise fill its log pane with itself."""

    name = "logs"

    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime

    async def poll(self) -> Contribution:
        lines = tuple([line for line in self.runtime.recent_logs() if line.level != "debug"][-LOG_LINES_SHOWN:])
        if not self.runtime.running:
            # The lines stay visible (they often say why), but the source is down.
            raise SourceError("the local runtime is not running" + (f"; last line: {lines[-1].message}" if lines else ""))
        return Contribution(logs=lines)
