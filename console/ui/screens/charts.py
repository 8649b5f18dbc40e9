"""Larger charts of what the console keeps in history: queue backlog, dead letters and worker heap.

Opened with `g` for a closer look than the dashboard's sparks (an incident's shape over the last
minutes); redrawn with each poll while open, closed with Escape.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console.model import History, Snapshot
from console.ui.widgets.history_chart import HistoryChart

MB = 1024 * 1024


class ChartsScreen(ModalScreen[None]):
    # Tall: the three stacked, full width. Short (24 rows over SSH): backlog and dead letters side by
    # side above the heap, so each keeps room for a plot instead of the third falling off the screen.
    DEFAULT_CSS = """
    ChartsScreen { align: center middle; }
    ChartsScreen > Vertical { width: 100%; height: 100%; background: $surface; }
    ChartsScreen #charts-title { height: 1; padding: 0 1; color: $text-muted; }
    ChartsScreen #charts { layout: grid; grid-size: 1; height: 1fr; }
    ChartsScreen.-short #charts { grid-size: 2; }
    ChartsScreen.-short #chart-heap { column-span: 2; }
    """
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    BINDINGS = [Binding("escape,g,q", "dismiss", "Close", id="charts-close")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("History kept by the console (Escape closes)", id="charts-title")
            with Container(id="charts"):
                yield HistoryChart("Queue backlog", "messages", id="chart-backlog")
                yield HistoryChart("Dead-lettered (cumulative)", "messages", id="chart-dead")
                yield HistoryChart("Worker heap", "MB", scale=MB, id="chart-heap")

    def show(self, snapshot: Snapshot, history: History) -> None:
        queues = [q.name for q in snapshot.queues if not q.is_dead_letter_queue]
        now = snapshot.taken_at
        self.query_one("#chart-backlog", HistoryChart).draw(
            {name: history.series(f"queue:{name}:backlog") for name in queues}, now)
        self.query_one("#chart-dead", HistoryChart).draw(
            {name: history.series(f"queue:{name}:dead") for name in queues}, now)
        self.query_one("#chart-heap", HistoryChart).draw(
            {w.block: history.series(f"worker:{w.block}:heap") for w in snapshot.workers}, now)
