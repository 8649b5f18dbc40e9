"""Crons: schedule, next run (from croniter, computed by the session), last run and recent results."""

from __future__ import annotations

from rich.text import Text

from console.model import CronState, Snapshot
from console.ui import formatting as fmt
from console.ui.widgets.synced_table import SyncedTable


def last_run_text(cron: CronState, now: float) -> Text:
    if not cron.runs:
        return Text("never", style="dim")
    run = cron.runs[0]
    text = Text(f"{fmt.clock(run.started_at, now)} {run.trigger} {run.duration_ms:.0f}ms ")
    text.append("ok" if run.ok else f"failed: {fmt.one_line(run.error, 60)}", style="green" if run.ok else "red")
    return text


def recent_marks(cron: CronState) -> Text:
    marks = Text()
    for run in reversed(cron.runs[:10]):
        marks.append("✓" if run.ok else "✗", style="green" if run.ok else "red")
    return marks


class CronTable(SyncedTable):
    DEFAULT_CSS = """
    CronTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(
            [("name", "cron", None), ("worker", "worker", None), ("schedule", "schedule", None),
             ("next", "next run", None), ("recent", "recent", None), ("last", "last run", None)],
            **kwargs,
        )
        self.crons: dict[str, CronState] = {}
        self.filter_text = ""

    def show(self, snapshot: Snapshot) -> None:
        now = snapshot.taken_at
        self.crons = {c.name: c for c in snapshot.crons}
        needle = self.filter_text.lower()
        shown = [c for c in snapshot.crons if needle in f"{c.name} {c.worker} {c.cron}".lower()]
        self.sync([
            (c.name, (c.name, c.worker, c.cron, fmt.clock(c.next_run, now), recent_marks(c),
                      last_run_text(c, now)))
            for c in shown
        ])

    @property
    def selected_cron(self) -> CronState | None:
        key = self.selected_key
        return self.crons.get(key) if key else None
