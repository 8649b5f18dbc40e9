"""The command palette: every action of the binding table, plus one entry per cron and per theme."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.ui.bindings import ACTIONS
from console.ui.palette_port import PaletteHost


class ConsoleCommands(Provider):
    @property
    def console(self) -> PaletteHost:
        return cast(PaletteHost, self.app)

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.console
        for action in ACTIONS:
            if action.id == "palette":
                continue
            help_text = action.help + (" (off: read-only)" if app.config.read_only and action.changes_things else "")
            yield action.title, help_text, partial(app.run_named_action, action.action)
        snapshot = app.snapshot
        if snapshot is not None:
            for cron in snapshot.crons:
                yield (f"Run cron now: {cron.name}", f"{cron.cron} on {cron.worker}",
                       partial(app.run_cron_named, cron.name))
        for name in app.console_theme_names:
            yield f"Theme: {name}", "Switch the console's colours", partial(setattr, app, "theme", name)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
