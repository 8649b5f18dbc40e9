"""LocalTarget: the console's view of the local runtime (Target protocol, memory and logs sources)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from console.project import Project
from console.sources.base import SourceError
from console.targets.local.target import LocalTarget, LocalTargetError

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    shutil.copytree(FIXTURE, tmp_path / ".tova-out")
    return Project.from_manifest(tmp_path / ".tova-out" / "manifest.json", root=tmp_path)


async def test_target_runs_the_project_and_its_sources_report(project: Project):
    target = LocalTarget(project)
    said: list[str] = []
    await target.start(said.append)
    try:
        assert any("starting 2 workers" in line for line in said)
        urls = target.worker_urls()
        assert set(urls) == {"front", "back"}
        assert (project.root / ".dev.vars").exists()
        assert target.secret("TOVA_ADMIN_TOKEN") and target.secret("NOPE") is None
        assert target.label() == "local · workerd · 2 workers"
        assert target.secret("TOKEN") not in target.label()

        async with httpx.AsyncClient() as http:
            assert (await http.get(urls["front"] + "/log")).status_code == 200
            memory_source, logs_source = target.sources(http)
            memory = await memory_source.poll()
            assert set(memory.memory) == {"front", "back"}
            assert all(m.heap_used and m.source == "inspector" for m in memory.memory.values())
            assert memory.runtime_rss and memory.runtime_rss > 0
            assert await target.trigger_scheduled("back") == "ok"
            for _ in range(200):  # the log line arrives on the runner's thread
                logs = (await logs_source.poll()).logs
                requested = any(l.message == "GET /log 200" for l in target.runtime.recent_logs())
                if requested and any(l.worker == "back" and l.message.startswith("back tick") for l in logs):
                    break
                await __import__("asyncio").sleep(0.05)
            assert any(l.worker == "front" and l.message.startswith("front says") for l in logs)
            assert any(l.worker == "back" and l.message == "back tick */5 * * * *" for l in logs)
            assert [l.time for l in logs] == sorted(l.time for l in logs)
            # request lines are for `tova dev`; the console's own polling must not fill its log pane
            assert any(l.message == "GET /log 200" for l in target.runtime.recent_logs())
            assert not [l for l in logs if l.level == "debug"]
    finally:
        await target.stop()
    # A stopped runtime makes its sources fail (marked down by the poller), never hang or crash.
    async with httpx.AsyncClient() as http:
        for source in target.sources(http):
            with pytest.raises(SourceError, match="not running"):
                await source.poll()


async def test_a_runtime_that_cannot_start_raises_a_target_error(project: Project):
    (project.out_dir / "mini.edge.front.js").write_text("export default { fetch( { broken")
    target = LocalTarget(project)
    with pytest.raises(LocalTargetError, match="failed to start"):
        await target.start(lambda line: None)
    assert not target.runtime.running


async def test_a_second_tova_process_attaches_to_the_running_runtime_instead_of_starting_another(project: Project):
    owner = LocalTarget(project)  # as `tova dev` or a first console would
    await owner.start(lambda line: None)
    try:
        running_file = owner.runtime.running_file
        assert running_file.stat().st_mode & 0o777 == 0o600  # it holds the control token

        # A plain second runtime on the same state would fire the crons twice: refused, naming the owner.
        from console.targets.local.runtime import LocalRuntime, LocalRuntimeError
        second = LocalRuntime(project.manifest_path, state_dir=project.out_dir / "state",
                              secrets_path=project.root / ".dev.vars")
        with pytest.raises(LocalRuntimeError, match=f"runner pid {owner.runtime.pid}"):
            second.start()

        said: list[str] = []
        watcher = LocalTarget(project)  # `tova status` or a console in another terminal
        await watcher.start(said.append)
        assert any("attached" in line for line in said)
        assert watcher.worker_urls() == owner.worker_urls()
        assert watcher.secret("TOVA_ADMIN_TOKEN") == owner.secret("TOVA_ADMIN_TOKEN")
        assert f"attached to pid {owner.runtime.pid}" in watcher.label()
        async with httpx.AsyncClient() as http:
            memory = await watcher.sources(http)[0].poll()  # through the owner's control endpoint
            assert set(memory.memory) == {"front", "back"}
            assert await watcher.trigger_scheduled("back") == "ok"
        await watcher.stop()
        assert owner.runtime.running  # leaving never stops what another process started
        async with httpx.AsyncClient() as http:
            assert (await http.get(owner.worker_urls()["front"] + "/log")).status_code == 200
    finally:
        await owner.stop()
    assert not running_file.exists()
    fresh = LocalTarget(project)  # nothing to attach to now: it starts its own
    await fresh.start(lambda line: None)
    try:
        assert fresh.runtime.attached_pid is None and fresh.runtime.running
    finally:
        await fresh.stop()
