"""With more dead letters than a poll carries (the newest 200), `]` pages back through the store and
`[` comes forward to the live table: every letter reachable, each page saying where it is."""

from __future__ import annotations

from console.ui.widgets.dead_letter_table import DeadLetterTable
from tests.console.ui.fake_session import FakeSession
from tests.console.ui.pilot_helpers import wait_until
from tests.console.ui.test_app import make_app, started


def table(app) -> DeadLetterTable:
    return app.dashboard.query_one(DeadLetterTable)


def subtitle(app) -> str:
    return str(app.dashboard.query_one("#dead-letter-list").border_subtitle)


def first_id(app) -> str:
    return table(app).coordinate_to_cell_key((0, 0)).row_key.value


async def on_the_second_page(pilot) -> None:
    await started(pilot)
    await pilot.press("right_square_bracket")
    await wait_until(pilot, lambda: "page 2 of 3" in subtitle(pilot.app), "the second page")


async def test_brackets_page_through_every_dead_letter_and_back_to_the_live_table():
    session = FakeSession(dead_letters=450)
    app, _ = make_app(session, interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert table(app).row_count == 200 and "newest 200 of 450" in subtitle(app)
        seen = {first_id(app)}
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "page 2 of 3" in subtitle(app), "the second page")
        assert first_id(app) == "msg-0200" and table(app).row_count == 200
        assert "201–400 of 450" in subtitle(app) and "not live" in subtitle(app)
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: "page 3 of 3" in subtitle(app), "the last page")
        assert table(app).row_count == 50 and first_id(app) == "msg-0400"
        await pilot.press("right_square_bracket")  # past the end: stays, says so
        await pilot.pause()
        assert "page 3 of 3" in subtitle(app)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "page 2 of 3" in subtitle(app), "back to page 2")
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: "newest 200" in subtitle(app), "back to the live table")
        assert first_id(app) in seen
        assert [c for c in session.calls if c == ("pager",)] == [("pager",)]


async def test_a_poll_while_on_an_older_page_keeps_that_page():
    session = FakeSession(dead_letters=450)
    app, _ = make_app(session, interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_the_second_page(pilot)
        polls = session.polls
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: session.polls > polls, "a poll")
        await pilot.pause()
        assert first_id(app) == "msg-0200" and "page 2 of 3" in subtitle(app)


async def test_a_replay_from_an_older_page_returns_to_the_live_table():
    session = FakeSession(dead_letters=450)
    app, _ = make_app(session, interval=600)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_the_second_page(pilot)
        await pilot.press("r")
        await pilot.press("y")
        await wait_until(pilot, lambda: any(c[0] == "replay" for c in session.calls), "the replay")
        assert [c[1] for c in session.calls if c[0] == "replay"] == [["msg-0200"]]
        await wait_until(pilot, lambda: "newest 200 of 449" in subtitle(app), "the live table again")
