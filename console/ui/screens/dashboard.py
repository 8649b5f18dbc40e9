"""The main screen: overview band (workers, stats, queues) over the dead letters, crons and logs.

Tall terminals show everything at once; short ones (under 40 rows) show one lower view at a time,
switched with 1/2/3, and narrow ones (under 120 columns) open the dead-letter detail as its own screen
instead of a side pane.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from console.model import CronState, DeadLetter, History, Snapshot
from console.ui.messages import DeadLetterPage
from console.ui.widgets.cron_table import CronTable
from console.ui.widgets.dead_letter_detail import DeadLetterDetail
from console.ui.widgets.dead_letter_preview import DeadLetterPreview
from console.ui.widgets.dead_letter_table import DeadLetterTable
from console.ui.widgets.filter_bar import FilterBar
from console.ui.widgets.header_bar import HeaderBar
from console.ui.widgets.log_pane import LogPane
from console.ui.widgets.panel import set_subtitle
from console.ui.widgets.queues_panel import QueuesPanel
from console.ui.widgets.stats_panel import StatsPanel
from console.ui.widgets.status_line import StatusLine
from console.ui.widgets.view_bar import ViewBar
from console.ui.widgets.worker_health import WorkerHealthPanel


class DashboardScreen(Screen):
    # Under 120 columns every footer key is needed; the palette's own hint (ctrl+p) is in the help.
    DEFAULT_CSS = """
    DashboardScreen.-narrow FooterKey.-command-palette { display: none; }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.view = "dead-letters"
        self.snapshot: Snapshot | None = None
        self.older_page: DeadLetterPage | None = None  # shown instead of the poll's newest letters

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Horizontal(id="overview"):
            yield WorkerHealthPanel(id="workers")
            yield StatsPanel(id="stats")
            yield QueuesPanel(id="queues")
        yield ViewBar(id="view-bar")
        yield FilterBar(id="filter")
        with Vertical(id="lower"):
            with Horizontal(id="dead-letters", classes="view -current"):
                with Vertical(id="dead-letter-list"):
                    yield DeadLetterTable(id="dead-letter-table")
                    yield Static("No dead letters: every message was processed or is still being retried.",
                                 id="dead-letters-empty")
                    yield DeadLetterPreview(id="dead-letter-preview")
                yield DeadLetterDetail(id="dead-letter-detail")
            with Horizontal(id="lower-bottom"):
                with Vertical(id="crons", classes="view"):
                    yield CronTable(id="cron-table")
                yield LogPane(id="logs", classes="view")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#dead-letter-list").border_title = "Dead letters"
        self.query_one("#crons").border_title = "Crons"
        self.query_one(DeadLetterDetail).show(None)
        self.query_one(DeadLetterPreview).show(None, 0.0)
        self.query_one(DeadLetterTable).focus()

    # -- data in -------------------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot, history: History) -> None:
        self.snapshot = snapshot
        self.query_one(WorkerHealthPanel).show(snapshot, history)
        self.query_one(StatsPanel).show(snapshot, history)
        self.query_one(QueuesPanel).show(snapshot, history)
        table = self.query_one(DeadLetterTable)
        table.show(snapshot, self.older_page.letters if self.older_page else None)
        self.query_one(CronTable).show(snapshot)
        self.query_one(LogPane).show(snapshot)
        set_subtitle(self.query_one("#dead-letter-list"), self._dead_letter_count(snapshot))
        self.query_one("#dead-letter-list").set_class(not snapshot.dead_letters and not self.older_page, "-empty")
        self.query_one(ViewBar).set_counts(**{"dead-letters": snapshot.dead_letter_total,
                                               "crons": len(snapshot.crons)})
        self.show_selected(table.selected_letter)

    def show_selected(self, letter: DeadLetter | None) -> None:
        self.query_one(DeadLetterDetail).show(letter)
        now = self.snapshot.taken_at if self.snapshot is not None else 0.0
        self.query_one(DeadLetterPreview).show(letter, now)

    def show_page(self, page: DeadLetterPage | None) -> None:
        """An older page of the store in place of the poll's newest letters; None: back to those."""
        self.older_page = page
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot, self.app.history)
            self.query_one(DeadLetterTable).move_cursor(row=0)

    def _dead_letter_count(self, snapshot: Snapshot) -> str:
        if snapshot.queues and not any(q.is_dead_letter_queue for q in snapshot.queues):
            # An empty table would read as "all fine"; say that nothing would catch dead messages.
            return "no consumer sets a dead_letter_queue: failed messages are dropped"
        page = self.older_page
        if page is not None:
            first = page.index * page.size + 1
            return (f"page {page.index + 1} of {page.pages} · {first:,}–{first + len(page.letters) - 1:,} "
                    f"of {page.total:,} · not live · ] older · [ newer")
        shown, total = len(snapshot.dead_letters), snapshot.dead_letter_total
        if total > shown:
            return f"newest {shown} of {total:,} · ] older"
        return str(total) if total else ""

    # -- selection -------------------------------------------------------------------------------

    @property
    def selected_dead_letter(self) -> DeadLetter | None:
        return self.query_one(DeadLetterTable).selected_letter

    @property
    def selected_cron(self) -> CronState | None:
        return self.query_one(CronTable).selected_cron

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, DeadLetterTable):
            self.show_selected(event.data_table.selected_letter)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, DeadLetterTable):
            letter = event.data_table.selected_letter
            if letter is not None:
                self.app.action_open_dead_letter(letter)

    # -- views and filter --------------------------------------------------------------------------

    def show_view(self, view: str) -> None:
        self.view = view
        for node in self.query(".view"):
            node.set_class(node.id == view, "-current")
        self.query_one("#lower-bottom").set_class(view in ("crons", "logs"), "-holds-current")
        self.query_one(ViewBar).set_view(view)
        target = {"dead-letters": DeadLetterTable, "crons": CronTable, "logs": LogPane}[view]
        self.query_one(target).focus()

    def open_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_filter_bar_filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.query_one(DeadLetterTable).filter_text = event.text
        self.query_one(CronTable).filter_text = event.text
        self.query_one(LogPane).refilter(event.text)
        if self.snapshot is not None:
            self.query_one(DeadLetterTable).show(self.snapshot)
            self.query_one(CronTable).show(self.snapshot)
        self.query_one("#dead-letter-list").border_title = (
            f"Dead letters matching “{event.text}”" if event.text else "Dead letters")
