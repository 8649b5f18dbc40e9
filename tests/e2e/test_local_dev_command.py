"""`tova dev` as a user runs it: a subprocess in its own process group, Ctrl-C (SIGINT to the group, as a
terminal sends it) stops every process it started, and a second run finds the first run's data."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pipeline"
TOVA = [sys.executable, "-m", "console.cli"]


def default_interrupt_handling() -> None:
    """In the child before exec: Ctrl-C as a terminal delivers it. A suite started in the background by a
    shell without job control inherits SIGINT and SIGQUIT ignored, and Python then never raises
    KeyboardInterrupt; a `tova dev` in a terminal's foreground always has them at their defaults."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class DevProcess:
    """A running `tova dev`, its output collected on threads so the pipes never fill."""

    def __init__(self, project: Path, *extra: str, program: str = "pipeline.tova") -> None:
        self.process = subprocess.Popen(
            [*TOVA, "dev", str(project / program), *extra],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env={**os.environ, "NO_COLOR": "1", "PYTHONFAULTHANDLER": "1"},
            preexec_fn=default_interrupt_handling,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        for stream, sink in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr)):
            threading.Thread(target=lambda s=stream, k=sink: [k.append(line.rstrip("\n")) for line in s], daemon=True).start()

    def wait_for(self, pattern: str, lines: list[str], timeout: float = 90.0, count: int = 1) -> re.Match[str]:
        """The ``count``-th line matching ``pattern`` (waiting for it to be written)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = [m for m in (re.search(pattern, line) for line in list(lines)) if m]
            if len(matches) >= count:
                return matches[count - 1]
            if self.process.poll() is not None and not any(re.search(pattern, l) for l in list(lines)):
                time.sleep(0.2)  # let the reader threads drain
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stderr:\n" + "\n".join(self.stderr) +
                             "\nstdout:\n" + "\n".join(self.stdout))

    def descendants(self) -> list[int]:
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children = [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    children = []
                found.extend(children)
                frontier.extend(children)
        return found

    def interrupt(self, timeout: float = 30.0) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            # where it hangs: the signal masks, then faulthandler (PYTHONFAULTHANDLER) prints every
            # thread's stack on SIGABRT
            status = Path(f"/proc/{self.process.pid}/status").read_text()
            self.stderr.extend(line for line in status.splitlines() if line.startswith(("Sig", "Shd")))
            os.kill(self.process.pid, signal.SIGABRT)
            time.sleep(1.0)
            raise AssertionError("tova dev did not stop on Ctrl-C; stderr:\n" + "\n".join(self.stderr[-60:])) from None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    return tmp_path


def test_dev_runs_the_pipeline_streams_logs_and_ctrl_c_stops_everything(project: Path):
    dev = DevProcess(project)
    try:
        dev.wait_for(r"Ctrl-C stops every worker", dev.stderr)
        api = dev.wait_for(r"api listening on (http://\S+)", dev.stderr).group(1)
        dev.wait_for(r"processor listening on (http://\S+)", dev.stderr)
        key = re.search(r"^API_KEY=(.+)$", (project / ".dev.vars").read_text(), re.M).group(1)
        assert os.stat(project / ".dev.vars").st_mode & 0o777 == 0o600
        image_id = httpx.post(api + "/api/images", content=b"png", headers={"X-API-Key": key}).json()["id"]
        dev.wait_for(rf"^processor \| Processed image {image_id}$", dev.stdout)
        dev.wait_for(r"^runtime +\| applied 1 migration\(s\) to pipeline", dev.stdout)
        # Saving the program rebuilds it and restarts the workers on the same ports.
        program = project / "pipeline.tova"
        program.write_text(program.read_text().replace('env MAX_FILE_SIZE = "10485760"', 'env MAX_FILE_SIZE = "16"'))
        dev.wait_for(r"pipeline\.tova changed: rebuilding", dev.stderr)
        again = dev.wait_for(r"api listening on (http://\S+)", dev.stderr, count=2).group(1)
        assert again == api, "\n".join(dev.stderr[-20:])
        dev.wait_for(r"crons fired at their times", dev.stderr, count=2)
        big = httpx.post(api + "/api/images", content=b"x" * 100, headers={"X-API-Key": key})
        assert big.status_code == 413
        # A broken save shows the error with its caret and keeps the last good build serving.
        good = program.read_text()
        program.write_text(good.replace("route GET \"/api/stats\"", "route GET \"/api/stats\" =>"))
        dev.wait_for(r"previous build keeps running", dev.stderr)
        assert any(re.search(r"pipeline\.tova:\d+:\d+", line) for line in dev.stderr)
        assert any(line.strip().startswith("^") or line.strip().endswith("^") for line in dev.stderr)
        assert httpx.post(api + "/api/images", content=b"x" * 100, headers={"X-API-Key": key}).status_code == 413
        program.write_text(good)
        started = dev.descendants()
        assert len(started) >= 2  # the node runner and workerd
        assert dev.interrupt() == 0
        assert [pid for pid in started if alive(pid)] == []
        output = "\n".join(dev.stdout + dev.stderr)
        assert key not in output  # the secrets line shows the length only
        assert re.search(rf"API_KEY •••• \({len(key)} chars\)", output)
        assert "Traceback" not in output

        again = DevProcess(project)
        try:
            api = again.wait_for(r"api listening on (http://\S+)", again.stderr).group(1)
            again.wait_for(r"Ctrl-C stops every worker", again.stderr)
            assert httpx.get(f"{api}/api/images/{image_id}", headers={"X-API-Key": key}).json()["status"] == "processed"
            assert not any("applied" in line for line in again.stdout)
            assert again.interrupt() == 0
        finally:
            again.kill()
    finally:
        dev.kill()


def test_dev_on_a_bad_program_shows_the_error_with_a_caret(tmp_path: Path):
    program = tmp_path / "bad.tova"
    program.write_text('edge "api" {\n  route GET "/x" => fn(req) { nope_undefined }\n}\n')
    result = subprocess.run([*TOVA, "dev", str(program)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert re.search(r"bad\.tova:2:\d+", result.stderr)
    assert "^" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / ".dev.vars").exists()  # nothing started, nothing written


def test_dev_rejects_a_malformed_var(tmp_path: Path):
    result = subprocess.run([*TOVA, "dev", str(tmp_path / "x.tova"), "--var", "NOEQUALS"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "NAME=VALUE" in result.stderr


@pytest.mark.parametrize("name", ["inference", "tasks", "pixflare"])
def test_dev_runs_each_seed_example_and_ctrl_c_stops_it(tmp_path: Path, name: str):
    shutil.copytree(ROOT / "examples" / name, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    dev = DevProcess(tmp_path, program=f"{name}.tova")
    try:
        api = dev.wait_for(r"api listening on (http://\S+)", dev.stderr).group(1)
        assert httpx.get(api + "/healthz", timeout=10).status_code == 200
        if name == "inference":  # the stand-in says what it is, where a developer looks
            dev.wait_for(r"Workers AI has no local runtime: the ai binding of analyzer is tova's stand-in",
                         dev.stdout)
        assert dev.interrupt() == 0
    finally:
        dev.kill()
