"""A workerd crash under `tova dev` (killed, out of memory): the runtime comes back on the same ports
with a log line, and a second process attached to it (a console, a CLI twin) follows it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

import httpx

from console.project import Project
from console.targets.local.runtime import LocalRuntime
from tests.e2e.test_local_dev_command import DevProcess

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pipeline"


def workerd_pid(dev: DevProcess) -> int:
    for pid in dev.descendants():
        try:
            if "workerd" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                return pid
        except OSError:
            continue
    raise AssertionError("no workerd under tova dev")


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_killed_workerd_is_restarted_on_the_same_ports_and_attached_processes_follow(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    dev = DevProcess(tmp_path)
    attached = None
    try:
        dev.wait_for(r"Ctrl-C stops every worker", dev.stderr)
        api = dev.wait_for(r"api listening on (http://\S+)", dev.stderr).group(1)
        project = Project.load(tmp_path / "pipeline.tova")
        attached = LocalRuntime(project.manifest_path, secrets_path=tmp_path / ".dev.vars", state_dir=project.out_dir / "state")
        assert attached.attach()
        first_owner = attached.attached_pid

        os.kill(workerd_pid(dev), signal.SIGKILL)
        dev.wait_for(r"restarting it on the same ports", dev.stderr)
        dev.wait_for(r"the local runtime is back", dev.stderr, timeout=120)
        deadline = time.monotonic() + 60
        while not healthy(api):
            assert time.monotonic() < deadline, "the api did not come back on its port"
            time.sleep(0.2)
        assert dev.process.poll() is None, "tova dev must keep running"

        assert attached.running, "the attached process must follow the restarted runtime"
        assert attached.attached_pid != first_owner
        assert attached.urls["api"] == api
        assert any("attached again" in line.message for line in attached.recent_logs())
    finally:
        if attached is not None:
            attached.stop()
        dev.kill()
    assert not any(re.search(r"Traceback", line) for line in dev.stderr)
