"""The log pane through a shift: it draws the newest 500 lines (a drawn line costs ~9 KB) and keeps the
text of the newest 2,000 for the filter, so a line scrolled out of the pane is still found by `/`."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App

from console.model import LogLine
from console.ui.widgets.log_pane import KEPT_LINES, SHOWN_LINES, LogPane


@dataclass
class Logs:
    logs: tuple[LogLine, ...]


class PaneApp(App):
    def compose(self):
        yield LogPane()


async def test_the_pane_draws_the_newest_lines_and_the_filter_searches_further_back():
    app = PaneApp()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(LogPane)
        arrived = [LogLine(1_790_000_000.0 + i, "worker", "info", f"processed job-{i:04d}") for i in range(KEPT_LINES + 100)]
        for end in range(50, len(arrived) + 1, 50):  # a poll brings the last 200, as the runtime keeps them
            pane.show(Logs(tuple(arrived[max(0, end - 200):end])))
        await pilot.pause()
        assert len(pane.lines) == SHOWN_LINES
        assert "job-2099" in pane.lines[-1].text and "job-1600" in pane.lines[0].text
        pane.refilter("job-0500")  # drawn long ago, scrolled out, still kept
        await pilot.pause()
        assert [line.text.strip()[-8:] for line in pane.lines] == ["job-0500"]
        pane.refilter("job-0050")  # older than the kept 2,000
        await pilot.pause()
        assert pane.lines == []
