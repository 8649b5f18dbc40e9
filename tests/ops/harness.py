"""Runs worker modules on real workerd (Miniflare, through tests/ops/driver.mjs) for the ops tests.

Hand-written modules are built the way codegen builds a worker: compiler/js/*.js in file-name order,
then a spec, then `export default __tova_createWorker(spec)`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

import httpx

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = ROOT / "compiler" / "js"
NODE = ROOT / "runtime" / "node_modules" / ".bin" / "node"
DRIVER = Path(__file__).with_name("driver.mjs")


def runtime_source() -> str:
    return "\n".join(path.read_text() for path in sorted(JS_DIR.glob("*.js")))


def build_module(spec_source: str, out: Path) -> Path:
    """A self-contained worker module: runtime + hand-written spec (which defines `__tova_spec`)."""
    out.write_text(runtime_source() + "\n" + spec_source + "\nexport default __tova_createWorker(__tova_spec);\n")
    return out


class WorkerRuntime:
    """One Miniflare instance; `urls[name]` per worker, `logs` collects every log line."""

    def __init__(self, config: dict[str, Any], workdir: Path):
        self.config_path = workdir / "driver-config.json"
        self.config_path.write_text(json.dumps(config))
        self.urls: dict[str, str] = {}
        self.logs: deque[str] = deque(maxlen=20000)
        self._replies: dict[int, dict] = {}
        self._ready = threading.Event()
        self._failure: str | None = None
        self._next_id = 0
        self._lock = threading.Lock()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "WorkerRuntime":
        self.process = subprocess.Popen(
            [str(NODE), str(DRIVER), str(self.config_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        threading.Thread(target=self._read_events, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self._ready.wait(timeout) or self._failure:
            self.stop()
            raise RuntimeError(f"workerd did not start: {self._failure or 'timeout'}\n" + "\n".join(self.logs))
        return self

    def _read_events(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self.logs.append(line.rstrip())
                continue
            kind = event.get("event")
            if kind == "ready":
                self.urls = event["workers"]
                self._ready.set()
            elif kind == "error":
                self._failure = event["message"]
                self._ready.set()
            elif kind == "log":
                self.logs.append(event["message"])
            elif kind == "reply":
                with self._lock:
                    self._replies[event["id"]] = event
        self._failure = self._failure or "driver exited"
        self._ready.set()

    def _read_stderr(self) -> None:
        assert self.process and self.process.stderr
        for line in self.process.stderr:
            self.logs.append(line.rstrip())

    def scheduled(self, worker: str, cron: str, timeout: float = 30) -> dict:
        """Fires the platform's scheduled event (as the cron trigger would)."""
        assert self.process and self.process.stdin
        with self._lock:
            self._next_id += 1
            command_id = self._next_id
        self.process.stdin.write(json.dumps({"id": command_id, "cmd": "scheduled", "worker": worker, "cron": cron}) + "\n")
        self.process.stdin.flush()
        return wait_for(lambda: self._replies.pop(command_id, None), timeout, f"scheduled {cron}")

    def log_text(self) -> str:
        return "\n".join(self.logs)

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            assert self.process.stdin
            self.process.stdin.close()
            self.process.wait(timeout=15)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def wait_for(probe: Callable[[], Any], timeout: float = 30, what: str = "condition", interval: float = 0.05) -> Any:
    """Polls until probe() returns something truthy; the value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def admin(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def client(base_url: str, timeout: float = 60) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=timeout)


@contextlib.contextmanager
def memory_backed_dir(prefix: str):
    """A scratch folder in RAM when the machine has /dev/shm: local D1 state on disk pays an fsync per
    write, which made the queue-heavy tests several times slower without testing anything more."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
