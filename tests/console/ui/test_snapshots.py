"""SVG snapshots of the main layouts (80x24, 120x40 and 160x48; read-only at 80x24), the dead-letter
detail and the help (80x24 and 120x40).

Update after an intended change with `bin/test tests/console/ui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

from __future__ import annotations

from console.ui.app import ConsoleApp, console_app
from console.ui.config import ConsoleConfig
from console.ui.screens.dashboard import DashboardScreen
from console.ui.widgets.dead_letter_table import DeadLetterTable
from tests.console.ui.fake_session import T0, FakeSession, opener
from tests.console.ui.pilot_helpers import wait_until


def app(theme: str = "tova-dark", read_only: bool = False) -> ConsoleApp:
    # A long interval: exactly one poll before the picture, so charts and counters are the same every run.
    # A frozen clock on both sides, so times and ages in the picture never change.
    session = FakeSession()
    session.clock = T0
    return console_app(opener(session), ConsoleConfig(interval=600, theme=theme, read_only=read_only),
                       clock=lambda: T0 + 1)


async def data_shown(pilot) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen)
                     and pilot.app.dashboard.query_one(DeadLetterTable).row_count == 3, "the dashboard")
    await pilot.pause()


def test_main_80x24(snap_compare):
    assert snap_compare(app(), terminal_size=(80, 24), run_before=data_shown)


def test_main_120x40(snap_compare):
    # the dead letters' reasons and replay counts, and each worker's address to curl
    assert snap_compare(app(), terminal_size=(120, 40), run_before=data_shown)


def test_main_80x24_read_only(snap_compare):
    # the footer leaves out what read-only would refuse
    assert snap_compare(app(read_only=True), terminal_size=(80, 24), run_before=data_shown)


def test_main_160x48(snap_compare):
    assert snap_compare(app(), terminal_size=(160, 48), run_before=data_shown)


def test_main_80x24_in_16_colours(snap_compare):
    assert snap_compare(app("tova-16"), terminal_size=(80, 24), run_before=data_shown)


def test_crons_view_on_a_short_terminal(snap_compare):
    async def crons(pilot):
        await data_shown(pilot)
        await pilot.press("2")
        await pilot.pause()
    assert snap_compare(app(), terminal_size=(80, 24), run_before=crons)


def test_dead_letter_detail(snap_compare):
    async def detail(pilot):
        await data_shown(pilot)
        await pilot.press("enter")
        await pilot.pause()
    assert snap_compare(app(), terminal_size=(80, 24), run_before=detail)


async def help_open(pilot) -> None:
    await data_shown(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


def test_help(snap_compare):
    assert snap_compare(app(), terminal_size=(120, 40), run_before=help_open)


def test_help_80x24(snap_compare):
    assert snap_compare(app(), terminal_size=(80, 24), run_before=help_open)
