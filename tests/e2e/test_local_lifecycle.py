"""The local runtime never outlives its owner and never pretends to run when workerd is gone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from console.targets.local.runtime import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / ".tova-out")
    return tmp_path / ".tova-out" / "manifest.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_workerd_dying_stops_the_runner_and_says_why(manifest: Path, eventually):
    runtime = LocalRuntime(manifest)
    runtime.start()
    try:
        os.kill(runtime.runtime_pid, signal.SIGKILL)
        eventually(lambda: not runtime.running)
        messages = [line.message for line in runtime.recent_logs()]
        assert "workerd exited unexpectedly; every worker is down" in messages
        assert "the local runtime exited with code 1" in messages
    finally:
        runtime.stop()


def test_a_killed_owner_takes_the_runner_and_workerd_with_it(manifest: Path, eventually):
    # The owner (tova dev, the console) may die without cleaning up: the runner's stdin closes with it.
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import json, sys, time
            from console.targets.local.runtime import LocalRuntime
            runtime = LocalRuntime({str(manifest)!r})
            runtime.start()
            print(json.dumps([runtime.pid, runtime.runtime_pid]), flush=True)
            time.sleep(120)
        """)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert owner.stdout is not None
        runner_pid, workerd_pid = json.loads(owner.stdout.readline())
        assert alive(runner_pid) and alive(workerd_pid)
        owner.kill()
        owner.wait()
        eventually(lambda: not alive(runner_pid) and not alive(workerd_pid))
    finally:
        owner.kill()


def test_crons_fire_by_the_clock_on_a_pinned_port(manifest: Path, eventually):
    # A clock that starts (when the scheduler first reads it) half a second before a five-minute slot,
    # so the fixture's */5 cron is due at once.
    offsets: list[float] = []

    def clock() -> float:
        now = time.time()
        if not offsets:
            offsets.append((300 - now % 300) - 0.5)
        return now + offsets[0]

    pinned = free_port()
    runtime = LocalRuntime(manifest, run_crons=True, clock=clock, ports={"back": pinned})
    runtime.start()
    try:
        assert runtime.urls["back"] == f"http://127.0.0.1:{pinned}"  # --port back=N; front stays ephemeral
        ran = eventually(lambda: [l for l in runtime.recent_logs() if l.message == "cron tick ran on schedule: ok"])
        assert ran[0].worker == "back"
        handler = [l for l in runtime.recent_logs() if l.message == "back tick */5 * * * *"]
        assert handler and handler[0].worker == "back"
    finally:
        runtime.stop()
    assert runtime._crons is None
