"""Behaviour of the console app driven by Pilot against a fake session (the real runtime is in
tests/e2e/test_console_ui.py)."""

from __future__ import annotations

from console.ui.app import ConsoleApp
from console.ui.config import ConsoleConfig
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.dashboard import DashboardScreen
from console.ui.screens.dead_letter import DeadLetterScreen
from console.ui.screens.help import HelpScreen
from console.ui.screens.startup import StartupScreen
from console.ui.widgets.cron_table import CronTable
from console.ui.widgets.dead_letter_detail import DeadLetterDetail
from console.ui.widgets.dead_letter_table import DeadLetterTable
from console.ui.widgets.header_bar import HeaderBar
from console.ui.widgets.worker_health import WorkerHealthPanel
from tests.console.ui.fake_session import FakeSession, opener
from tests.console.ui.pilot_helpers import wait_until


def make_app(session: FakeSession | None = None, **config) -> tuple[ConsoleApp, FakeSession]:
    session = session or FakeSession()
    config.setdefault("interval", 0.5)
    return ConsoleApp(opener(session), ConsoleConfig(**config)), session


def table(app) -> DeadLetterTable:
    return app.dashboard.query_one(DeadLetterTable)


async def started(pilot) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen) and table(pilot.app).row_count,
                     "the dashboard with data")


async def test_starts_then_shows_dead_letters_and_target_label():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert session.started
        assert table(app).row_count == 3
        assert "local · workerd (fake)" in str(app.dashboard.query_one(HeaderBar).render())
        assert app.dashboard.query_one(DeadLetterDetail).letter.id == "msg-0000"
    assert session.stopped


async def test_replay_selected_asks_then_replays_and_reports_the_count():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: table(app).row_count == 2, "the replayed row to go")
        assert session.calls[0][:2] == ("replay", ["msg-0000"])
        assert "replayed 1" in app.status_line.note


async def test_saying_no_replays_nothing():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("r", "n")
        await pilot.pause()
        assert session.calls == []
        assert table(app).row_count == 3


async def test_replay_all_passes_the_rate_and_reports_the_count():
    app, session = make_app(FakeSession(dead_letters=5), replay_rate=7)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("R", "y")
        await wait_until(pilot, lambda: table(app).row_count == 0, "all rows replayed")
        kind, ids, options = session.calls[0]
        assert (kind, ids, options["all"], options["rate"]) == ("replay", None, True, 7)
        assert "replayed 5 of 5" in app.status_line.note


async def test_delete_selected_after_confirmation():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("down", "x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: table(app).row_count == 2, "the deleted row to go")
        assert session.calls == [("delete", ["msg-0001"], {"all": False})]


async def test_run_cron_now_shows_the_result():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("2", "c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: "cron nightly-cleanup ran" in app.status_line.note, "the cron result")
        assert session.calls == [("run_cron", "nightly-cleanup")]
        await wait_until(pilot, lambda: "✓" in str(app.dashboard.query_one(CronTable).get_row("nightly-cleanup")),
                         "the run in the cron table")


async def test_read_only_refuses_every_changing_action_and_says_so():
    app, session = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        for key in ("r", "R", "x", "X", "c", "D"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen), key
            assert "refused (read-only)" in app.status_line.note, key
        assert session.calls == []
        assert "READ-ONLY" in str(app.dashboard.query_one(HeaderBar).render())


async def test_a_failed_poll_marks_data_stale_and_the_app_keeps_going():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        session.fail_polls = True
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.status_line.poll_error is not None, "the failed poll")
        assert "poll failed: runtime not answering" in app.status_line.describe()
        assert app.is_running
        session.fail_polls = False
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.status_line.poll_error is None, "recovery")


async def test_workers_down_are_shown_with_why():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        session.workers_down = True
        await pilot.press("ctrl+r")
        panel = app.dashboard.query_one(WorkerHealthPanel)
        await wait_until(pilot, lambda: "down" in panel.plain_text, "workers down")
        assert "connection refused" in panel.plain_text
        assert "down: health:api" in app.status_line.describe()


async def test_compile_error_is_shown_with_its_caret_and_no_traceback():
    class CompileError(Exception):
        diagnostics = ["one"]

        def render(self) -> str:
            return "jobs.tova:3:7: error: expected '}'\n  edge \"api\" {\n        ^"

    def broken(progress):
        raise CompileError("expected '}'")

    app = ConsoleApp(broken, ConsoleConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "-failed" in app.screen.classes, "the failure on the start screen")
        assert isinstance(app.screen, StartupScreen)
        shown = str(app.screen.query_one("#startup-error").render())
        assert "jobs.tova:3:7" in shown and "^" in shown
        assert "Traceback" not in shown
        assert app.is_running


async def test_filter_narrows_the_dead_letters():
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("slash", *"poison")
        await wait_until(pilot, lambda: table(app).row_count == 1, "the filter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: table(app).row_count == 3, "the filter cleared")


async def test_pause_stops_polling_and_resume_restarts_it():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("p")
        assert "paused" in app.status_line.describe()
        polls = session.polls
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert session.polls == polls
        await pilot.press("p")
        await wait_until(pilot, lambda: session.polls > polls, "polling again")


async def test_interval_can_be_changed_and_bad_values_are_explained():
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("i", "ctrl+a", "ctrl+k", "0", "enter")
        assert "at least" in str(app.screen.query_one("#interval-error").render())
        await pilot.press("ctrl+a", "ctrl+k", "5", "enter")
        assert app.interval == 5.0
        assert "every 5s" in app.status_line.describe()


async def test_the_projects_interval_applies_when_neither_flag_nor_user_config_sets_one():
    session = FakeSession()
    session.interval = 0.7  # what tova.toml's [console] interval gives the real Session
    app = ConsoleApp(opener(session), ConsoleConfig(interval=None))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.interval == 0.7
        assert "every 0.7s" in app.status_line.describe()


async def test_an_interval_the_user_chose_wins_over_the_projects():
    session = FakeSession()
    session.interval = 0.7
    app, _ = make_app(session, interval=3.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert app.interval == 3.0


async def test_charts_screen_draws_the_history_and_follows_new_polls():
    from console.ui.screens.charts import ChartsScreen
    from console.ui.widgets.history_chart import HistoryChart

    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, ChartsScreen)
        backlog = app.screen.query_one("#chart-backlog", HistoryChart)
        queues = [q.name for q in app.snapshot.queues if not q.is_dead_letter_queue]
        await wait_until(pilot, lambda: set(backlog.plotted) == set(queues), "a line per queue")
        drawn = backlog.plotted[queues[0]]
        assert drawn == len(app.history.series(f"queue:{queues[0]}:backlog").points)
        await wait_until(pilot, lambda: backlog.plotted[queues[0]] > drawn, "the next poll drawn")
        heap = app.screen.query_one("#chart-heap", HistoryChart)
        assert set(heap.plotted) == {w.block for w in app.snapshot.workers}
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_help_lists_every_binding_id():
    from console.ui.bindings import ACTIONS
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        cells = [str(static.render()) for static in app.screen.query("Grid > Static")]
        for action in ACTIONS:
            assert action.id in cells and action.help in cells
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_user_keymap_rebinds_an_action_by_id():
    app, _ = make_app(keymap={"replay": "y"})
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("y")
        assert isinstance(app.screen, ConfirmScreen)


async def test_deploy_on_the_local_target_explains_instead_of_asking():
    app, session = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("D")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert session.calls == []


async def test_deploy_on_cloudflare_asks_then_deploys():
    app, session = make_app(FakeSession(target="cloudflare"))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        question = str(app.screen.query_one("#question").render())
        assert "create  queue  jobs-dlq" in question and "1 to create" in question
        assert session.calls == [("plan",)]  # nothing deployed before the answer
        await pilot.press("y")
        await wait_until(pilot, lambda: "deployed" in app.status_line.note, "the deploy result")
        assert session.calls == [("plan",), ("deploy",)]


async def test_narrow_terminal_opens_the_detail_as_a_screen():
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DeadLetterScreen)
        assert app.screen.letter.id == "msg-0000"
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_palette_offers_every_action_and_each_cron():
    from console.ui.bindings import ACTIONS
    from console.ui.commands import ConsoleCommands
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        provider = ConsoleCommands(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        for action in ACTIONS:
            if action.id != "palette":
                assert action.title in titles
        assert "Run cron now: hourly-report" in titles
        assert "Theme: tova-16" in titles


async def test_a_real_compile_error_shows_file_line_and_caret(tmp_path):
    # The real road: console_cmd's opener -> Project.load -> the compiler's CompileError (no runtime).
    from console.commands.console_cmd import make_opener

    source = tmp_path / "broken.tova"
    source.write_text('edge "api" {\n  route GET "/x" => fn(req) {\n    { ok: true \n  }\n')
    app = ConsoleApp(make_opener(source, "local", False), ConsoleConfig())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "-failed" in app.screen.classes, "the compile error")
        shown = str(app.screen.query_one("#startup-error").render())
        assert "broken.tova:" in shown and "^" in shown, shown
        assert "Traceback" not in shown
        assert app.is_running


async def test_an_empty_dead_letter_table_says_so():
    app, _ = make_app(FakeSession(dead_letters=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None, "the first poll")
        await pilot.pause()
        empty = app.dashboard.query_one("#dead-letters-empty")
        assert empty.display and "No dead letters" in str(empty.render())
