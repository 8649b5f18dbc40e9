"""At 80x24 over SSH the dead-letter table must show why each letter died: the reason (long ids
inside it cut), the replay count, and the selected letter's whole error wrapped under the table."""

from __future__ import annotations

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
