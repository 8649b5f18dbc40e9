"""The console app (Pilot) against the real local runtime on examples/jobs: a poisoned job reaches the
dead-letter table, is fixed and replayed from the UI and completes; a cron runs by hand; --read-only
refuses both; a killed runtime shows the workers down without ending the app, and a restart recovers.

The project is copied to a temporary folder so build output, state and .dev.vars stay out of the repo.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("compiler.driver", reason="needs the compiler (helper compiler)")
pytest.importorskip("console.targets.local.target", reason="needs the local target (helper local)")

from console.commands.console_cmd import make_opener  # noqa: E402
from console.model import Health  # noqa: E402
from console.ui.app import ConsoleApp  # noqa: E402
from console.ui.config import ConsoleConfig  # noqa: E402
from console.ui.screens.confirm import ConfirmScreen  # noqa: E402
from console.ui.screens.dashboard import DashboardScreen  # noqa: E402
from console.ui.widgets.cron_table import CronTable  # noqa: E402
from console.ui.widgets.dead_letter_table import DeadLetterTable  # noqa: E402
from console.ui.widgets.worker_health import WorkerHealthPanel  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 1.0
BOUND = 120  # seconds a broken runtime may hang a wait; not a timing assertion


def copy_jobs(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "jobs", tmp_path / "jobs",
                    ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
    return tmp_path / "jobs" / "jobs.tova"


def console(source: Path, read_only: bool = False) -> ConsoleApp:
    config = ConsoleConfig(interval=INTERVAL, read_only=read_only)
    return ConsoleApp(make_opener(source, "local", read_only), config)


async def wait_until(pilot, condition, what: str, bound: float = BOUND) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {bound:g} s waiting for: {what} "
                                 f"(status line: {pilot.app.status_line.describe()!r})")
        await pilot.pause(0.05)


async def with_data(pilot) -> ConsoleApp:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.snapshot is not None
                     and all(w.health == Health.OK for w in app.snapshot.workers), "the first healthy poll")
    return app


def api(app: ConsoleApp) -> httpx.AsyncClient:
    target = app.session.target
    return httpx.AsyncClient(base_url=target.worker_urls()["api"], timeout=10,
                             headers={"X-API-Key": target.secret("API_KEY")})


def table(app: ConsoleApp) -> DeadLetterTable:
    return app.dashboard.query_one(DeadLetterTable)


async def test_dead_letter_replay_cron_and_a_killed_runtime(tmp_path):
    app = console(copy_jobs(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await with_data(pilot)
        async with api(app) as client:
            accepted = (await client.post("/api/jobs", json={"task": "resize", "fail": True,
                                                             "reason": "corrupt image"})).json()
            job_id = accepted["job_id"]

            # The store holds it once its retries are spent; from then on the table must show it
            # within one poll interval plus a second.
            worker = app.session.target.worker_urls()["worker"]
            token = app.session.target.secret("TOVA_ADMIN_TOKEN")
            async with httpx.AsyncClient(base_url=worker, headers={"Authorization": f"Bearer {token}"}) as ops:
                async def in_store() -> bool:
                    return (await ops.get("/__tova/dlq")).json()["total"] > 0
                deadline = time.monotonic() + BOUND
                while not await in_store():
                    assert time.monotonic() < deadline, "the poisoned job never reached the dead-letter store"
                    await pilot.pause(0.1)
            await wait_until(pilot, lambda: table(app).row_count == 1, "the dead letter in the table",
                             bound=3 * INTERVAL + 10)  # a few polls: on a loaded machine one poll can outlast the interval
            letter = table(app).selected_letter
            assert letter.body == {"job_id": job_id}
            assert "corrupt image" in (letter.error or "")
            assert letter.attempts >= 3

            # Fix the job's input, then replay from the UI: it leaves the table and completes.
            await client.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "resize"}})
            await pilot.press("r")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_until(pilot, lambda: "replayed 1" in app.status_line.note, "the replay result")

            async def status() -> str:
                return (await client.get(f"/api/jobs/{job_id}")).json()["status"]
            deadline = time.monotonic() + BOUND
            while await status() != "completed":
                assert time.monotonic() < deadline, "the replayed job never completed"
                await pilot.pause(0.1)
            await wait_until(pilot, lambda: table(app).row_count == 0 and app.snapshot.dead_letter_total == 0,
                             "an empty dead-letter table")

        # Run a cron by hand: the result is shown and the run appears in the cron table.
        await pilot.press("2")
        crons = app.dashboard.query_one(CronTable)
        name = crons.selected_cron.name
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: f"cron {name} ran" in app.status_line.note, "the cron result")
        await wait_until(pilot, lambda: any(r.trigger == "manual" for r in crons.crons[name].runs),
                         "the manual run in the cron table")

        # Kill the runtime: the workers show down, the app keeps going; a restart brings them back.
        runtime = app.session.target.runtime
        for pid in (runtime.runtime_pid, runtime.pid):
            if pid:
                os.kill(pid, signal.SIGKILL)
        panel = app.dashboard.query_one(WorkerHealthPanel)
        await wait_until(pilot, lambda: all(w.health == Health.DOWN for w in app.snapshot.workers),
                         "the workers marked down")
        assert "down" in panel.plain_text
        assert app.is_running
        await pilot.press("S", "y")
        await wait_until(pilot, lambda: "runtime restarted" in app.status_line.note, "the restart")
        await wait_until(pilot, lambda: all(w.health == Health.OK for w in app.snapshot.workers),
                         "the workers healthy again")


async def test_read_only_refuses_replay_and_cron(tmp_path):
    app = console(copy_jobs(tmp_path), read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await with_data(pilot)
        for key in ("r", "R", "x", "c", "S"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
            assert "refused (read-only)" in app.status_line.note
        # The session refuses on its own as well, whatever a UI bug might let through.
        from console.actions import ActionError
        with pytest.raises(ActionError, match="read-only"):
            await app.session.run_cron("daily-report")
