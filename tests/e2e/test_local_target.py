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
