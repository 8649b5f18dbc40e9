"""Three queues and their dead-letter queues (examples/pixflare) readable at 80x24: each DLQ right
under its source queue, stats whose names share a prefix told apart, and an SVG snapshot of it."""

from __future__ import annotations

from dataclasses import replace

from console.model import DeadLetter, QueueState, StatValue
from console.ui.app import ConsoleApp
from console.ui.config import ConsoleConfig
from console.ui.screens.dashboard import DashboardScreen
from console.ui.widgets.queues_panel import QueuesPanel
from console.ui.widgets.stats_panel import StatsPanel
from console.ui.widgets.worker_health import WorkerHealthPanel
from tests.console.ui.fake_session import T0, FakeSession, opener
from tests.console.ui.pilot_helpers import wait_until

SOURCES = ("variants", "backups", "domains")


class PixflareSession(FakeSession):
    def __init__(self) -> None:
        super().__init__(dead_letters=0)
        self.dead_letters = [DeadLetter(id="a1b2c3d4e5", queue="variants", dlq="variants-dlq", body={"image_id": "2c09"},
                                        attempts=4, first_seen=T0 - 30, last_seen=T0 - 5,
                                        error="image 2c095684-ed8e-471a-a313-d89477fd6039 is application/pdf, not an image: no variants",
                                        worker="processor")]

    def snapshot(self):
        snap = super().snapshot()
        queues = []
        for name in SOURCES:  # as the manifest lists them: the sources first, their DLQs after
            queues.append(QueueState(name, backlog_count=2 if name == "backups" else 0, acked=10,
                                     dead_lettered=1 if name == "variants" else 0, consumer="processor",
                                     dead_letter_queue=f"{name}-dlq"))
        queues += [QueueState(f"{name}-dlq", is_dead_letter_queue=True, consumer="processor") for name in SOURCES]
        stats = tuple(StatValue("api /api/stats", key, value) for key, value in (
            ("images", 3), ("with_variants", 2), ("backed_up", 3), ("failed", 1),
            ("domains_active", 0), ("domains_pending", 1), ("domains_failed", 0)))
        workers = tuple(replace(w, block="processor") if w.block == "worker" else w for w in snap.workers)
        return replace(snap, project="pixflare", workers=workers, queues=tuple(queues), stats=stats)


def pixflare_app() -> ConsoleApp:
    session = PixflareSession()
    session.clock = T0
    return ConsoleApp(opener(session), ConsoleConfig(interval=600), clock=lambda: T0 + 1)


async def shown(pilot) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen) and pilot.app.snapshot is not None,
                     "the dashboard")
    await pilot.pause()


async def test_at_80x24_each_dead_letter_queue_sits_under_its_queue_and_stat_names_stay_apart():
    app = pixflare_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await shown(pilot)
        queues = [line for line in app.screen.query_one(QueuesPanel)._lines[1:]]
        names = [line.split("[")[0].split("  ")[0].strip() for line in queues]
        assert [n.split()[0] for n in names] == ["variants", "↳", "backups", "↳", "domains", "↳"]
        assert all("↳ dlq ☠" in queues[i] for i in (1, 3, 5))
        assert "1" in queues[1]  # the letter waiting in variants-dlq's store
        stats = "\n".join(app.screen.query_one(StatsPanel)._lines)
        for shown_as in ("…active", "…pending", "…failed"):
            assert shown_as in stats, stats
        workers = app.screen.query_one(WorkerHealthPanel)._lines
        assert workers[1].startswith("processor ") and "4.9M" in workers[1], workers  # whole, not "proce…"


def test_three_queues_at_80x24(snap_compare):
    assert snap_compare(pixflare_app(), terminal_size=(80, 24), run_before=shown)
