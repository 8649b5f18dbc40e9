"""Runs every worker of a built project on workerd, through ``runtime/runner.mjs`` (docs/contracts.md §4).

``LocalRuntime`` owns one runner process: it installs the npm side when needed, makes sure the secrets
file exists, starts the runner, reads its JSON-lines events on a thread (URLs, attributed log lines,
migrations, errors) and stops it — closing its stdin first, which the runner treats as "stop", so a
crashed Python never leaves workerd behind. Everything here is synchronous and thread-safe enough for
the console to call from ``asyncio.to_thread``; ``tova dev``, the console's local target and the tests
all use this one class.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx

from console.model import LogLine, Memory
from console.targets.local.cron_scheduler import CronScheduler
from console.targets.local.installer import RuntimePaths, ensure_runtime
from console.targets.local.secrets import SecretsFileError, ensure_secrets, read_secrets

RUNNER = Path(__file__).resolve().parents[3] / "runtime" / "runner.mjs"
MIN_RUNTIME_NODE_MAJOR = 20  # miniflare 4's floor; the lock pins 22

Progress = Callable[[str], None]


class LocalRuntimeError(Exception):
    """The local runtime cannot start or answer; the message says why and, where known, what to do."""


@dataclass(frozen=True)
class RuntimeMemory:
    workers: Mapping[str, Memory]  # by block; heap from each worker's V8 inspector
    rss: int | None  # bytes resident in the workerd process that hosts all workers


def parse_memory(body: Mapping[str, Any]) -> RuntimeMemory:
    """The runner's ``GET /memory`` answer as model data (shared by the sync call and the async source)."""
    rss = body.get("rss")
    workers = {}
    for block, figures in (body.get("workers") or {}).items():
        if "heap_used" in figures:
            workers[block] = Memory(
                heap_used=figures["heap_used"], heap_total=figures.get("heap_total"), rss=rss, source="inspector"
            )
        else:
            workers[block] = Memory(rss=rss, source=None)
    return RuntimeMemory(workers=workers, rss=rss)


def declared_secrets(manifest: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for worker in manifest.get("workers", []):
        names.extend(worker.get("secrets", []))
    return list(dict.fromkeys(names))


# Beside the state, while a runtime runs: how another tova process (a console or `tova status` next to
# `tova dev`) reaches it instead of starting a second runtime on the same state, whose crons would fire
# twice and whose in-memory queues would be separate. Holds the control token, hence mode 0600.
RUNNING_FILE = "runtime.json"
DRAIN_TIMEOUT_S = 2.0  # how long `running` waits, once the runner has exited, for its last lines


@dataclass
class _Ready:
    workers: dict[str, str] = field(default_factory=dict)
    inspector: str | None = None
    control: str | None = None
    control_token: str | None = None
    runtime_pid: int | None = None


class LocalRuntime:
    """One running (or stopped) local runtime for the project described by ``manifest_path``.

    ``ports``: an int numbers the workers from it in manifest order, a dict pins blocks; default
    ephemeral. ``vars``: overrides of the manifest's ``env`` values for this run (tests use a tiny
    ``MAX_FILE_SIZE``). ``on_log`` is called on the reader thread for every log line. ``run_crons``
    fires each worker's crons at their times (UTC) while running, as production does.
    """

    def __init__(
        self,
        manifest_path: str | Path,
        *,
        secrets_path: str | Path | None = None,
        state_dir: str | Path | None = None,
        ports: int | Mapping[str, int] | None = None,
        vars: Mapping[str, str] | None = None,
        log_capacity: int = 2000,
        on_log: Callable[[LogLine], None] | None = None,
        runtime_paths: RuntimePaths | None = None,
        run_crons: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.manifest_path = Path(manifest_path).resolve()
        self.out_dir = self.manifest_path.parent
        try:
            self.manifest: dict[str, Any] = json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as error:
            raise LocalRuntimeError(f"cannot read the build manifest {self.manifest_path}: {error}") from error
        self.secrets_path = Path(secrets_path) if secrets_path else self.out_dir.parent / ".dev.vars"
        self.state_dir = Path(state_dir) if state_dir else self.out_dir / "state"
        self.ports = ports
        self.vars = dict(vars or {})
        self.logs: deque[LogLine] = deque(maxlen=log_capacity)
        self.on_log = on_log
        self.runtime_paths = runtime_paths
        self.migrations: dict[str, list[str]] = {}  # database -> migrations applied by this start
        self.run_crons = run_crons
        self.clock = clock
        self._crons: CronScheduler | None = None
        self._secrets: dict[str, str] | None = None  # as the workers got them at start
        self._process: subprocess.Popen[str] | None = None
        self._ready = _Ready()
        self._started = threading.Event()
        self._failure: str | None = None
        self._stderr_tail: deque[str] = deque(maxlen=40)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._attached_pid: int | None = None  # the runner of another process this one attached to

    # ── lifecycle ─────────────────────────────────────────────────────────────────────────────────

    def start(self, progress: Progress | None = None, timeout: float = 90.0) -> None:
        """Installs what is missing, starts every worker, applies migrations; returns when all listen."""
        if self.running:
            return
        other = self.running_elsewhere()
        if other is not None:
            raise LocalRuntimeError(
                f"a local runtime for this project already runs (runner pid {other['runner_pid']}, started by "
                f"process {other.get('owner_pid')}); stop it first, or use `tova console`/`tova status`, "
                "which attach to it")
        paths = ensure_runtime(self.runtime_paths, progress)
        self._check_node(paths)
        try:
            self._secrets = ensure_secrets(self.secrets_path, declared_secrets(self.manifest))
        except (SecretsFileError, OSError) as error:
            raise LocalRuntimeError(f"cannot use the secrets file: {error}") from None
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._ready = _Ready()
        self._started.clear()
        self._failure = None
        self._stderr_tail.clear()
        command = [str(paths.node), str(RUNNER), "--manifest", str(self.manifest_path),
                   "--state", str(self.state_dir), "--secrets", str(self.secrets_path)]
        if isinstance(self.ports, int):
            command += ["--port", str(self.ports)]
        elif self.ports:
            for block, port in self.ports.items():
                command += ["--port", f"{block}={port}"]
        for name, value in self.vars.items():
            command += ["--var", f"{name}={value}"]
        if progress:
            progress(f"starting {len(self.manifest.get('workers', []))} workers on workerd")
        env = {**os.environ, "PATH": f"{paths.node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
            # Its own session: a Ctrl-C at the terminal reaches tova, which then stops the runner in order,
            # instead of racing it.
            start_new_session=True,
        )
        self._threads = [
            threading.Thread(target=self._read_events, args=(self._process,), name="tova-runner-events", daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process,), name="tova-runner-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        if not self._started.wait(timeout):
            self.stop()
            raise LocalRuntimeError(f"the local runtime did not start within {timeout:.0f} s{self._stderr_hint()}")
        if self._failure is not None:
            failure = self._failure
            self.stop()
            raise LocalRuntimeError(f"the local runtime failed to start: {failure}{self._stderr_hint()}")
        self._publish()
        if progress:
            for block, url in self.urls.items():
                progress(f"{block} listening on {url}")
        if self.run_crons:
            crons = [(w["block"], s["name"], s["cron"]) for w in self.manifest.get("workers", [])
                     for s in w.get("schedules", [])]
            self._crons = CronScheduler(crons, self.trigger_scheduled, self._add_log, clock=self.clock)
            self._crons.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the runner and workerd; safe to call twice or after a crash. An attached runtime is
        left running: it belongs to the process that started it."""
        if self._attached_pid is not None:
            self._attached_pid = None
            self._ready = _Ready()
            return
        self._unpublish()
        if self._crons is not None:
            self._crons.stop()
            self._crons = None
        process = self._process
        if process is None:
            return
        runtime_pid = self._ready.runtime_pid
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()  # the runner's "stop": it disposes workerd and exits
            except OSError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(3)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for thread in self._threads:
            thread.join(2)
        # workerd is the runner's child; if the runner died hard it may be left alone.
        if runtime_pid and process_alive(runtime_pid):
            try:
                os.kill(runtime_pid, signal.SIGKILL)
            except OSError:
                pass
        self._process = None

    def __enter__(self) -> "LocalRuntime":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        if self._attached_pid is not None:
            if process_alive(self._attached_pid):
                return True
            # the owner (`tova dev`) restarts a crashed runtime and publishes it again: follow it
            return self._reattach()
        if self._process is None:
            return False
        if self._process.poll() is None:
            return True
        # It exited: what it wrote last (why it stopped) is read before anyone is told it is gone.
        events = self._threads[0] if self._threads else None
        if events is not None and events is not threading.current_thread():
            events.join(DRAIN_TIMEOUT_S)
        return False

    def _reattach(self) -> bool:
        info = self.running_elsewhere()
        if info is None:
            return False
        self._adopt(info)
        self._add_log(LogLine(time.time(), "runtime", "warn", f"the local runtime was restarted by its owner; attached again (runner pid {self._attached_pid})"))
        return True

    @property
    def attached_pid(self) -> int | None:
        """The runner pid of the runtime another process started, when this one attached to it."""
        return self._attached_pid

    # ── sharing one runtime between tova processes ────────────────────────────────────────────────

    @property
    def running_file(self) -> Path:
        return self.state_dir / RUNNING_FILE

    def running_elsewhere(self) -> dict[str, Any] | None:
        """What another live process published about the runtime it runs on this state, if any."""
        try:
            info = json.loads(self.running_file.read_text())
            runner_pid = int(info["runner_pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if runner_pid == self.pid or not process_alive(runner_pid):
            return None  # ours, or left behind by a runtime that died hard
        return info

    def attach(self) -> bool:
        """Use the runtime another tova process runs on this project's state; False when there is none."""
        if self.running:
            return False
        info = self.running_elsewhere()
        if info is None:
            return False
        self._adopt(info)
        try:
            self._secrets = read_secrets(self.secrets_path)  # the file the owner started the workers with
        except (SecretsFileError, OSError) as error:
            self._attached_pid, self._ready = None, _Ready()
            raise LocalRuntimeError(f"cannot use the secrets file: {error}") from None
        return True

    def _adopt(self, info: dict[str, Any]) -> None:
        self._ready = _Ready(
            workers=dict(info.get("workers") or {}),
            inspector=info.get("inspector"),
            control=info.get("control"),
            control_token=info.get("control_token"),
            runtime_pid=info.get("runtime_pid"),
        )
        self._attached_pid = int(info["runner_pid"])

    def _publish(self) -> None:
        info = {"runner_pid": self.pid, "owner_pid": os.getpid(), "manifest": str(self.manifest_path),
                "workers": self._ready.workers, "inspector": self._ready.inspector,
                "control": self._ready.control, "control_token": self._ready.control_token,
                "runtime_pid": self._ready.runtime_pid}
        partial = self.running_file.with_suffix(".tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(info, out)
        os.replace(partial, self.running_file)

    def _unpublish(self) -> None:
        try:
            if json.loads(self.running_file.read_text()).get("runner_pid") == self.pid:
                self.running_file.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def runtime_pid(self) -> int | None:
        return self._ready.runtime_pid

    # ── what it gives ─────────────────────────────────────────────────────────────────────────────

    @property
    def urls(self) -> dict[str, str]:
        """Base URL by block name, e.g. {"api": "http://127.0.0.1:41234"}."""
        return dict(self._ready.workers)

    @property
    def inspector_url(self) -> str | None:
        """workerd's own V8 inspector socket (ws://127.0.0.1:PORT); GET /json on it lists every isolate."""
        return self._ready.inspector

    @property
    def control_url(self) -> str | None:
        return self._ready.control

    @property
    def control_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._ready.control_token}"}

    @property
    def secrets(self) -> dict[str, str]:
        """The values the running workers were started with (the file's, before the first start)."""
        if self._secrets is None:
            try:
                return read_secrets(self.secrets_path)
            except (SecretsFileError, OSError):
                return {}
        return dict(self._secrets)

    def secret(self, name: str) -> str | None:
        return self.secrets.get(name)

    def health_path(self, block: str) -> str:
        for worker in self.manifest.get("workers", []):
            if worker["block"] == block:
                return (worker.get("health") or {}).get("path") or "/healthz"
        raise KeyError(block)

    def health(self, timeout: float = 5.0) -> dict[str, dict[str, Any]]:
        """Each worker's health answer: {"status_code", "body"} or {"error"} when it did not answer."""
        results: dict[str, dict[str, Any]] = {}
        with httpx.Client(timeout=timeout) as client:
            for block, url in self.urls.items():
                try:
                    response = client.get(url + self.health_path(block))
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    results[block] = {"status_code": response.status_code, "body": body}
                except httpx.HTTPError as error:
                    results[block] = {"error": str(error) or type(error).__name__}
        return results

    def wait_healthy(self, timeout: float = 30.0, interval: float = 0.05) -> None:
        """Polls every worker's health path until all answer 200."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise LocalRuntimeError(f"the local runtime exited{self._stderr_hint()}")
            answers = self.health()
            sick = {block: a for block, a in answers.items() if a.get("status_code") != 200}
            if not sick:
                return
            if time.monotonic() > deadline:
                raise LocalRuntimeError(f"workers not healthy after {timeout:.0f} s: {sick}")
            time.sleep(interval)

    def memory(self, timeout: float = 5.0) -> RuntimeMemory:
        """Per-worker heap (V8 inspector) and the workerd process's RSS, through the runner."""
        return parse_memory(self._control("GET", "/memory", timeout))

    def collect_garbage(self, timeout: float = 60.0) -> dict[str, str]:
        """A full V8 collection of every isolate in workerd now (the runner makes one every 10 s anyway,
        see runtime/inspector.mjs); the outcome per inspector id: "collected", or why not."""
        return self._control("POST", "/collect", timeout)["isolates"]

    def trigger_scheduled(self, block: str, cron: str | None = None, timeout: float = 30.0) -> str:
        """Fires the worker's real ``scheduled`` handler now; returns workerd's outcome ("ok", "exception")."""
        if cron is None:
            schedules = next((w.get("schedules", []) for w in self.manifest["workers"] if w["block"] == block), [])
            cron = schedules[0]["cron"] if schedules else ""
        return self._control("POST", f"/scheduled/{block}", timeout, params={"cron": cron})["outcome"]

    def send_to_queue(self, queue: str, body: Any, timeout: float = 10.0) -> None:
        """Puts one JSON message on a local queue, through a worker's producer binding for it."""
        self._control("POST", f"/queues/{queue}/send", timeout, json=body)

    def _control(self, method: str, path: str, timeout: float, **kwargs: Any) -> dict[str, Any]:
        if not self.running or not self.control_url:
            raise LocalRuntimeError("the local runtime is not running")
        try:
            response = httpx.request(method, self.control_url + path, headers=self.control_headers,
                                     timeout=timeout, **kwargs)
        except httpx.HTTPError as error:
            raise LocalRuntimeError(f"the local runtime did not answer {path}: {error}") from error
        body = response.json()
        if response.status_code != 200:
            raise LocalRuntimeError(f"the local runtime refused {path}: {body.get('error', response.status_code)}")
        return body

    # ── reading the runner ────────────────────────────────────────────────────────────────────────

    def _read_events(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                self._add_log(LogLine(time.time(), "runtime", "info", line))
                continue
            self._handle(event)
        code = process.wait()
        if not self._started.is_set():
            self._failure = self._failure or f"the runner exited with code {code}"
            self._started.set()
        elif code not in (0, -signal.SIGTERM, -signal.SIGKILL):
            self._add_log(LogLine(time.time(), "runtime", "error", f"the local runtime exited with code {code}"))

    def _handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "log":
            at = event.get("time")
            self._add_log(LogLine(
                time=at / 1000 if isinstance(at, (int, float)) else time.time(),
                worker=str(event.get("worker") or "runtime"),
                level=str(event.get("level") or "info"),
                message=str(event.get("message", "")),
            ))
        elif kind == "ready":
            self._ready = _Ready(
                workers=dict(event.get("workers") or {}),
                inspector=event.get("inspector"),
                control=event.get("control"),
                control_token=event.get("control_token"),
                runtime_pid=event.get("runtime_pid"),
            )
            self._started.set()
        elif kind == "migrations":
            applied = list(event.get("applied") or [])
            self.migrations[event.get("database", "?")] = applied
            if applied:
                message = f"applied {len(applied)} migration(s) to {event.get('database')}: {', '.join(applied)}"
                self._add_log(LogLine(time.time(), "runtime", "info", message))
        elif kind == "error":
            message = str(event.get("message", "unknown error"))
            if not self._started.is_set():
                self._failure = message
                self._started.set()
            self._add_log(LogLine(time.time(), "runtime", "error", message))

    def _read_stderr(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.strip():
                self._stderr_tail.append(line.rstrip())

    def _add_log(self, line: LogLine) -> None:
        with self._lock:
            self.logs.append(line)
        if self.on_log is not None:
            self.on_log(line)

    def recent_logs(self, since: float | None = None) -> list[LogLine]:
        """A copy of the buffered lines (newer than ``since``), safe while the reader appends."""
        with self._lock:
            lines = list(self.logs)
        return [line for line in lines if since is None or line.time > since]

    def _stderr_hint(self) -> str:
        tail = "\n".join(list(self._stderr_tail)[-15:])
        return f"\n{tail}" if tail else ""

    @staticmethod
    def _check_node(paths: RuntimePaths) -> None:
        try:
            version = subprocess.run([str(paths.node), "--version"], capture_output=True, text=True, timeout=30).stdout
            major = int(version.strip().lstrip("v").split(".")[0])
        except (OSError, ValueError, subprocess.SubprocessError):
            major, version = 0, "unknown"
        if major < MIN_RUNTIME_NODE_MAJOR:
            raise LocalRuntimeError(
                f"the pinned Node in {paths.node_modules} is {version.strip() or 'unusable'}; the runtime needs "
                f"Node {MIN_RUNTIME_NODE_MAJOR}+. Delete {paths.node_modules} and run the command again to reinstall."
            )


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
