"""`g` at 80x24 over SSH shows all three charts whole, not the first one and the top of the next."""

from __future__ import annotations

import pytest

from console.ui.screens.charts import ChartsScreen
from console.ui.widgets.history_chart import HistoryChart
from tests.console.ui.test_app import make_app, started


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_chart_is_whole_on_the_screen(size):
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, ChartsScreen)
        await pilot.pause()
        charts = list(app.screen.query(HistoryChart))
        assert len(charts) == 3
        for chart in charts:
            region = chart.region
            assert region.height >= 8, (chart.id, region)  # a border, a title, a plot and its axis
            assert app.screen.region.contains_region(region), (chart.id, region)
            assert chart.size.width >= 30, (chart.id, chart.size)
