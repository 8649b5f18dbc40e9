"""`tova console`: the Textual app that starts a session, polls it, and dispatches actions.

Flow: open the session in a thread (compiling happens there; a compile error is shown with its caret),
start the target with progress, then poll in one long-lived worker that never overlaps itself and
posts a typed message per poll. A failed poll marks the data stale and is retried; it never ends the
app. Every action that changes something is refused under ``--read-only`` with a message that says so.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from textual import work
from textual.app import App
from textual.css.query import NoMatches
from textual.screen import ModalScreen

from console.model import History, Snapshot
from console.ui.bindings import ACTIONS, CHANGING_ACTIONS, app_bindings
from console.ui.commands import ConsoleCommands
from console.ui.config import DEFAULT_INTERVAL_S, ConsoleConfig
from console.ui.messages import (
    DeadLetterPage, DeadLetterPageReady, PollFailed, SessionStarted, SnapshotReady, StartFailed, StartProgress,
)
from console.ui.operations import OperatorActions
from console.ui.screens.charts import ChartsScreen
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.dashboard import DashboardScreen
from console.ui.screens.help import HelpScreen
from console.ui.screens.interval import IntervalScreen
from console.ui.screens.startup import StartupScreen
from console.ui.session_port import ConsoleSession, DeadLetterPages, Progress, call
from console.ui.themes import DEFAULT_THEME, load_themes
from console.ui.widgets.header_bar import HeaderBar
from console.ui.widgets.status_line import StatusLine

SessionOpener = Callable[[Progress], ConsoleSession]  # builds the session; compiling may raise here
STOP_TIMEOUT_S = 15


def describe_start_error(error: BaseException) -> tuple[str, bool]:
    """The text to show for a failed start, and whether it is a compile error (data, with a caret)."""
    if hasattr(error, "diagnostics") and callable(getattr(error, "render", None)):
        return error.render(), True
    message = str(error) or type(error).__name__
    return message, False


class ConsoleApp(OperatorActions, App):
    CSS_PATH = "app.tcss"
    TITLE = "tova console"
    BINDINGS = app_bindings()
    COMMANDS = App.COMMANDS | {ConsoleCommands}

    def __init__(self, open_session: SessionOpener, config: ConsoleConfig | None = None,
                 title: str = "tova console", clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.clock = clock
        self.open_session = open_session
        self.config = config or ConsoleConfig()
        self.start_title = title
        self.session: ConsoleSession | None = None
        self.snapshot: Snapshot | None = None
        self.history = History()
        self.paused = False
        self.interval = self.config.interval or DEFAULT_INTERVAL_S
        self.action_running = False
        self.console_theme_names: list[str] = []
        self._wake = asyncio.Event()
        self._records_history = True
        self._stopped = False
        self._pager: DeadLetterPages | None = None  # while the dashboard shows an older page

    # -- start ---------------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        themes, problems = load_themes()
        for theme in themes.values():
            self.register_theme(theme)
        self.console_theme_names = sorted(themes)
        for problem in problems:
            self.notify(f"{problem.source}: {problem.message}", title="Theme skipped", severity="warning")
        wanted = self.config.theme if self.config.theme in self.available_themes else DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        await self.push_screen(DashboardScreen())
        status = self.dashboard.query_one(StatusLine)
        status.interval, status.read_only, status.clock = self.interval, self.config.read_only, self.clock
        await self.push_screen(StartupScreen(self.start_title))
        self.start_session()

    @property
    def dashboard(self) -> DashboardScreen:
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        # While the app closes its screens a last poll can still land; NoMatches is what the
        # handlers already treat as "nowhere to show it" (a bare StopIteration would kill the worker).
        raise NoMatches("the dashboard screen is not on the stack")

    @property
    def status_line(self) -> StatusLine:
        return self.dashboard.query_one(StatusLine)

    @work(exclusive=True, group="start", exit_on_error=False)
    async def start_session(self) -> None:
        def progress(line: str) -> None:
            self.post_message(StartProgress(line))  # thread safe: the installer may report from a thread

        try:
            progress("compiling…")
            session = await asyncio.to_thread(self.open_session, progress)
        except Exception as error:  # a compile error or a bad project: shown, never a traceback
            self.post_message(StartFailed(*describe_start_error(error)))
            return
        self.session = session
        try:
            await call(session.start, progress)
        except Exception as error:
            self.post_message(StartFailed(*describe_start_error(error)))
            await self._stop_session()
            return
        self.post_message(SessionStarted())

    def on_start_progress(self, message: StartProgress) -> None:
        if isinstance(self.screen, StartupScreen):
            self.screen.progress(message.line)

    def on_start_failed(self, message: StartFailed) -> None:
        if isinstance(self.screen, StartupScreen):
            self.screen.failed(message.text, message.compile_error)

    def action_retry_start(self) -> None:
        if isinstance(self.screen, StartupScreen) and "-failed" in self.screen.classes:
            self.screen.restart()
            self.session = None
            self._stopped = False
            self.start_session()

    def on_session_started(self, _: SessionStarted) -> None:
        # The real session keeps its own history (the poller records each snapshot); share it
        # instead of recording twice.
        shared = getattr(self.session, "history", None)
        self._records_history = not isinstance(shared, History)
        if not self._records_history:
            self.history = shared
        if isinstance(self.screen, StartupScreen):
            self.screen.progress("started; first poll…")
        project_interval = getattr(self.session, "interval", None)
        if self.config.interval is None and isinstance(project_interval, (int, float)):
            # neither --interval nor the user's console.toml chose one: the project's tova.toml does
            self.interval = float(project_interval)
            self.status_line.interval = self.interval
        self.poll_loop()

    # -- polling -------------------------------------------------------------------------------------

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll_loop(self) -> None:
        while self.session is not None:
            if not self.paused:
                try:
                    snapshot = await call(self.session.poll)
                except Exception as error:  # the whole poll failed: say so, try again next time
                    self.post_message(PollFailed(str(error) or type(error).__name__, self.clock()))
                else:
                    self.post_message(SnapshotReady(snapshot))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass

    def wake_poller(self) -> None:
        self._wake.set()

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        try:
            self._show_snapshot(message.snapshot)
        except NoMatches:  # a poll that lands while the app is closing has nowhere to go
            if self.is_running and not self._stopped:
                raise

    def _show_snapshot(self, snapshot: Snapshot) -> None:
        first = self.snapshot is None
        self.snapshot = snapshot
        if self._records_history:
            self.history.record(snapshot)
        if first:
            label = getattr(self.session, "target_label", None) or snapshot.target
            self.dashboard.query_one(HeaderBar).set_target(snapshot.project, label, self.config.read_only)
            while isinstance(self.screen, StartupScreen):
                self.pop_screen()
        self.dashboard.show_snapshot(snapshot, self.history)
        if isinstance(self.screen, ChartsScreen):
            self.screen.show(snapshot, self.history)
        self.status_line.data_arrived(snapshot.taken_at, snapshot.down_sources)

    def on_poll_failed(self, message: PollFailed) -> None:
        if isinstance(self.screen, StartupScreen):
            self.screen.progress(f"poll failed: {message.error}; retrying")
        try:
            self.status_line.poll_failed(message.error)
        except NoMatches:  # the app is closing
            if self.is_running and not self._stopped:
                raise

    # -- actions: plumbing -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys typed into a dialog belong to the dialog, not to the dashboard behind it.
        if isinstance(self.screen, ModalScreen) and action not in ("quit",):
            return False
        if isinstance(self.screen, StartupScreen) and action not in ("quit", "retry_start", "help", "command_palette"):
            return False
        return True

    def run_named_action(self, action: str) -> None:
        """Run a binding's action by name (the palette uses this)."""
        self.call_later(self.run_action, action)

    # -- actions: polling and view ---------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.status_line.paused = self.paused
        if not self.paused:
            self.wake_poller()

    def action_poll_now(self) -> None:
        self.wake_poller()

    def action_change_interval(self) -> None:
        def chosen(seconds: float | None) -> None:
            if seconds:
                self.interval = seconds
                self.status_line.interval = seconds
                self.wake_poller()
        self.push_screen(IntervalScreen(self.interval), chosen)

    def action_show_view(self, view: str) -> None:
        if isinstance(self.screen, DashboardScreen):
            self.screen.show_view(view)

    def action_filter(self) -> None:
        if isinstance(self.screen, DashboardScreen):
            self.screen.open_filter()

    # Paging the dead letters: `]` reads the next older page of the stores (a fresh pager from the
    # live view, so it starts from what is there now), `[` goes back, to the live table at the top.
    def action_older_dead_letters(self) -> None:
        if self.session is None or self.snapshot is None:
            self.notify("Paging needs the first data.", severity="warning")
            return
        shown = self.dashboard.older_page
        if shown is None and self.snapshot.dead_letter_total <= len(self.snapshot.dead_letters):
            self.notify("Every dead letter is already in the table.")
            return
        if shown is not None and shown.index + 1 >= shown.pages:
            self.notify("This is the oldest page.")
            return
        if shown is None:
            self._pager = self.session.dead_letter_pager()
        self.dead_letter_page_worker(shown.index + 1 if shown else 1)

    def action_newer_dead_letters(self) -> None:
        shown = self.dashboard.older_page
        if shown is None:
            return
        if shown.index <= 1:
            self.show_live_dead_letters()
            self.status_line.set_note("live dead letters", "$text-muted")
        else:
            self.dead_letter_page_worker(shown.index - 1)

    def show_live_dead_letters(self) -> None:
        if self._pager is not None:
            self._pager = None
            self.dashboard.show_page(None)

    @work(exclusive=True, group="dead-letter-pages", exit_on_error=False)
    async def dead_letter_page_worker(self, index: int) -> None:
        pager = self._pager
        self.status_line.set_note(f"reading page {index + 1}…", "$accent")
        try:
            letters = await pager.page(index)
        except Exception as error:
            self.status_line.set_note(f"could not read page {index + 1}: {error}", "$error")
            return
        if pager is self._pager and letters:
            self.post_message(DeadLetterPageReady(DeadLetterPage(index, pager.size, tuple(letters), pager.pages, pager.total)))

    def on_dead_letter_page_ready(self, message: DeadLetterPageReady) -> None:
        if self._pager is not None:
            self.dashboard.show_page(message.page)
            self.status_line.set_note(f"dead letters page {message.page.index + 1} of {message.page.pages}", "$text-muted")

    def action_show_charts(self) -> None:
        if self.snapshot is None:
            self.notify("Charts need data; wait for the first poll.", severity="warning")
            return
        charts = ChartsScreen()
        self.push_screen(charts)
        self.call_after_refresh(charts.show, self.snapshot, self.history)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.config.keymap, self.config.read_only))

    def action_next_theme(self) -> None:
        names = self.console_theme_names or [self.theme]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.status_line.set_note(f"theme {self.theme}", "$text-muted")

    # -- stop ------------------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        if self._replay_running() and not isinstance(self.screen, ConfirmScreen):
            self.push_screen(
                ConfirmScreen("A replay is running. Quit anyway? What it has not sent stays in the dead-letter store."),
                self._quit_if_confirmed,
            )
            return
        self.status_line.set_note("stopping…", "$text-muted")
        await self._stop_session()
        self.exit()

    def _replay_running(self) -> bool:
        return any(w.name == "replay_worker" and not w.is_finished for w in self.workers)

    async def _quit_if_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.status_line.set_note("stopping…", "$text-muted")
            await self._stop_session()
            self.exit()

    async def _stop_session(self) -> None:
        session, self.session = self.session, None
        if session is None or self._stopped:
            return
        self._stopped = True
        self._wake.set()
        try:
            await asyncio.wait_for(call(session.stop), STOP_TIMEOUT_S)
        except Exception:  # leaving must never hang or crash on a runtime that is already gone
            pass

    async def on_unmount(self) -> None:
        await self._stop_session()


class ReadOnlyConsoleApp(ConsoleApp):
    """The same console with the changing actions out of its footer (their keys still say why not)."""

    BINDINGS = app_bindings(read_only=True)


def console_app(opener, config: ConsoleConfig, **kwargs) -> ConsoleApp:
    return (ReadOnlyConsoleApp if config.read_only else ConsoleApp)(opener, config, **kwargs)


__all__ = ["ConsoleApp", "ReadOnlyConsoleApp", "console_app", "ACTIONS", "CHANGING_ACTIONS"]
