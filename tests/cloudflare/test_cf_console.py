"""The dashboard on the Cloudflare target, through the real Session and target against the fake API:
the header names the account, and the deploy action asks, deploys and says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cf_fixtures import TOKEN

pytest.importorskip("compiler.driver", reason="the compiler (helper `compiler`) is not on main yet")
ui = pytest.importorskip("console.ui.app", reason="the console UI (helper `ui`) is not on main yet")

from console.ui.config import ConsoleConfig  # noqa: E402
from console.ui.screens.confirm import ConfirmScreen  # noqa: E402
from console.ui.widgets.header_bar import HeaderBar  # noqa: E402

PIPELINE = Path(__file__).resolve().parents[2] / "examples" / "pipeline"


async def wait_until(pilot, condition, what: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"gave up waiting for: {what}")


async def test_deploy_from_the_console_asks_then_deploys_and_reports(fake, env, tmp_path):
    from console.project import Project
    from console.session import Session
    from console.targets.cloudflare.target import CloudflareTarget

    folder = tmp_path / "pipeline"
    shutil.copytree(PIPELINE, folder, ignore=shutil.ignore_patterns(".tova-out", ".tova", ".dev.vars"))

    def open_session(progress):
        project = Project.load(folder / "pipeline.tova")
        return Session(project, CloudflareTarget(project))

    app = ui.ConsoleApp(open_session, ConsoleConfig(interval=0.5))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.session is not None and app.snapshot is not None, "the first poll")
        header = str(app.screen.query_one(HeaderBar).render())
        assert "cloudflare · account 0123…ef" in header and TOKEN not in header

        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert fake.writes() == []  # nothing before the answer
        question = str(app.screen.query_one("#question").render())
        assert "Plan for pipeline on Cloudflare account" in question and "to create" in question
        assert TOKEN not in question
        await pilot.press("y")
        await wait_until(pilot, lambda: "deployed" in (app.status_line.note or ""), "the deploy to finish")

        assert set(fake.scripts) == {"pipeline-api", "pipeline-processor"}
        assert all(s.workers_dev for s in fake.scripts.values())
        assert "pipeline: " in app.status_line.note and "workers.dev" in app.status_line.note and TOKEN not in app.status_line.note


@pytest.mark.parametrize("size, api, processor", [
    ((200, 50), "912 req · 12 err: 12 threw · cpu p99 25ms", "4/4 err: 4 over limits · p99 40ms"),
    ((120, 40), "12/912 err: 12 threw", "4/4 err: 4 over limits"),
])
async def test_the_workers_pane_shows_what_cloudflare_counted_for_each_worker(fake, env, tmp_path, size, api, processor):
    from cf_helpers import serve_figures
    from console.commands.deploy import register, run
    from console.project import Project
    from console.session import Session
    from console.targets.cloudflare.target import CloudflareTarget
    from console.ui.widgets.worker_health import WorkerHealthPanel
    import argparse

    folder = tmp_path / "pipeline"
    shutil.copytree(PIPELINE, folder, ignore=shutil.ignore_patterns(".tova-out", ".tova", ".dev.vars"))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    assert run(parser.parse_args(["deploy", str(folder / "pipeline.tova"), "--yes"])) == 0
    serve_figures(fake)

    def open_session(progress):
        project = Project.load(folder / "pipeline.tova")
        return Session(project, CloudflareTarget(project))

    app = ui.ConsoleApp(open_session, ConsoleConfig(interval=0.5))
    async with app.run_test(size=size) as pilot:
        def pane() -> str:
            panels = app.screen.query(WorkerHealthPanel)
            return "\n".join(panels.first()._lines) if panels else ""

        await wait_until(pilot, lambda: " err" in pane(), "the invocation counts")
        text = pane()
        assert api in text and processor in text
        assert ":pipe" not in text  # a workers.dev URL has no port to show in the port column
