"""A toast never hides the status line or the footer: those say whether the data is fresh and which
keys work, and a toast stays up for seconds, exactly when the engineer looks down to read them."""

from __future__ import annotations

import pytest
from textual.widgets import Footer
from textual.widgets._toast import Toast

from console.ui.widgets.status_line import StatusLine
from tests.console.ui.pilot_helpers import wait_until
from tests.console.ui.test_app import make_app, started


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_toast_sits_above_the_status_line_and_footer(size):
    app, _ = make_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await started(pilot)
        app.notify("Another action is still running; wait for its result.", severity="warning")
        app.notify("a second one, stacked above the first", severity="information")
        await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 2, "two toasts")
        await pilot.pause()
        kept_clear = [app.dashboard.query_one(StatusLine).region, app.dashboard.query_one(Footer).region]
        for toast in app.screen.query(Toast):
            assert toast.region.height > 0
            for region in kept_clear:
                assert not toast.region.overlaps(region), (toast.region, region)
