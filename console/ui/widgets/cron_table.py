"""Crons: schedule, next run (from croniter, computed by the session), recent results and the last run."""

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


def recent_runs(cron: CronState, now: float) -> Text:
    """The last ten outcomes as marks (oldest first), then the latest run: one column, so the table
    keeps its titles whole in half of a 120-column screen."""
    marks = Text()
    for run in reversed(cron.runs[:10]):
        marks.append("✓" if run.ok else "✗", style="green" if run.ok else "red")
    if cron.runs:
        marks.append(" ")
    return marks + last_run_text(cron, now)


class CronTable(SyncedTable):
    DEFAULT_CSS = """
    CronTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(
            [("name", "cron", None), ("worker", "worker", None), ("schedule", "schedule", None),
             ("next", "next run", None), ("last", "recent runs", None)],
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
            (c.name, (c.name, c.worker, c.cron, fmt.clock(c.next_run, now), recent_runs(c, now)))
            for c in shown
        ])

    @property
    def selected_cron(self) -> CronState | None:
        key = self.selected_key
        return self.crons.get(key) if key else None
