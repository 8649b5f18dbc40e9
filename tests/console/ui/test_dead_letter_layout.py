"""At 80x24 over SSH the dead-letter table must show why each letter died: the reason (long ids
inside it cut), the replay count, and the selected letter's whole error wrapped under the table."""

from __future__ import annotations

import re

import pytest

from console.ui.screens.dashboard import DashboardScreen
from console.ui.widgets.dead_letter_preview import DeadLetterPreview
from console.ui.widgets.dead_letter_table import DeadLetterTable
from tests.console.ui.pilot_helpers import wait_until
from tests.console.ui.test_snapshots import app


async def shown(pilot) -> DeadLetterTable:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen)
                     and pilot.app.dashboard.query_one(DeadLetterTable).row_count == 3, "the dashboard")
    await pilot.pause()
    return pilot.app.dashboard.query_one(DeadLetterTable)


async def test_the_reason_fits_in_the_row_at_80_columns():
    async with app().run_test(size=(80, 24)) as pilot:
        table = await shown(pilot)
        error = table.get_cell("msg-0000", "error").plain
        assert error == "job 8eacb0aa… asked to fail: corrupt image 0"
        widths = sum(column.get_render_width(table) for column in table.columns.values())
        assert widths <= table.content_size.width, "every column, the error included, fits without cutting"
        assert table.get_cell("msg-0001", "replays") == "1" and table.get_cell("msg-0000", "replays") == ""


async def test_the_selected_letters_whole_error_is_under_the_table():
    async with app().run_test(size=(80, 24)) as pilot:
        await shown(pilot)
        preview = pilot.app.dashboard.query_one(DeadLetterPreview)
        assert preview.display and preview.region.height >= 2
        text = str(preview.render())
        assert "job 8eacb0aa-bd21-4d06-b498-2e0000000000 asked to fail: corrupt image 0" in text.replace("\n", " ")
        await pilot.press("down")
        await pilot.pause()
        text = str(preview.render())
        assert "timeout after 1s" in text and "replayed 1 time before" in text


async def footer_keys(app) -> set[str]:
    from textual.widgets import Footer

    async with app.run_test(size=(160, 48)) as pilot:
        await shown(pilot)
        footer = pilot.app.dashboard.query_one(Footer)
        return {item.description for item in footer.query("FooterKey")}


async def test_read_only_footer_leaves_out_what_it_would_refuse():
    from console.ui.app import ReadOnlyConsoleApp, console_app
    from console.ui.config import ConsoleConfig
    from tests.console.ui.fake_session import FakeSession, opener

    normal = await footer_keys(app())
    assert {"Replay", "Replay all", "Delete", "Cron", "Charts", "Quit"} <= normal
    read_only_app = console_app(opener(FakeSession()), ConsoleConfig(interval=600, read_only=True))
    assert isinstance(read_only_app, ReadOnlyConsoleApp)
    read_only = await footer_keys(read_only_app)
    assert not read_only & {"Replay", "Replay all", "Delete", "Cron"}
    assert {"Help", "Filter", "Pause", "Charts", "Quit"} <= read_only


async def test_ctrl_c_quits():
    console = app()
    async with console.run_test(size=(80, 24)) as pilot:
        await shown(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert console.return_code == 0 and not console.is_running


async def test_help_descriptions_wrap_in_their_own_column_at_80_columns():
    from console.ui.screens.help import HelpScreen

    async with app().run_test(size=(80, 24)) as pilot:
        await shown(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        keys = [s for s in pilot.app.screen.query("Grid > .keys")]
        descriptions = [s for s in pilot.app.screen.query("Grid > Static")
                        if not s.classes & {"keys", "id", "heading"} and s.region.height]  # the ones on screen
        left = keys[0].region.right
        assert all(d.region.x > left for d in descriptions), "a description starts right of the key column"
        assert any(d.region.height > 1 for d in descriptions), "long ones wrap (within their column)"


@pytest.mark.parametrize("size, where", [((120, 40), [":38375", ":38377"]),
                                         ((160, 48), ["127.0.0.1:38375", "127.0.0.1:38377"])])
async def test_the_workers_pane_says_where_to_curl_each_worker_from_120_columns(size, where):
    from console.ui.widgets.worker_health import WorkerHealthPanel, address

    assert address("http://127.0.0.1:8787/") == "127.0.0.1:8787" and address(None) == ""
    async with app().run_test(size=size) as pilot:  # the fake's workers are on five-digit ports, as real ones
        await shown(pilot)
        rows = [str(row.render()) for row in pilot.app.dashboard.query_one(WorkerHealthPanel).query("PanelRow")]
        assert [row.split()[0] for row in rows[:2]] == ["api", "worker"]
        for row, place in zip(rows, where):
            assert re.search(rf"(^|\s){re.escape(place)}(\s|$)", row), rows


def test_a_real_heap_in_kilobytes_shrinks_before_the_port_is_left_out():
    # a local worker's heap is ~600 KB: "590.2 KB" would leave no room for ":38375" in 120 columns
    from console.model import Health, Memory, WorkerState
    from console.ui.widgets.worker_health import heap_text, row_layout

    workers = [WorkerState(name, name, f"http://127.0.0.1:{port}", Health.OK, (), Memory(heap_used=heap))
               for name, port, heap in (("api", 38375, 604_365), ("worker", 38377, 580_000))]
    wide = row_layout(workers, 26)  # the workers pane's inner width at 120 columns
    assert wide.port == 6 and wide.compact and heap_text(604_365, wide.compact) == "590K"
    roomy = row_layout(workers, 60)
    assert roomy.address == len("127.0.0.1:38375") and not roomy.compact and roomy.spark
