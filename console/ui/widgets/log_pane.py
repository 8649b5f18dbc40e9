"""Worker logs as they arrive: only lines not seen before are appended, so nothing is redrawn twice."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import RichLog

from console.model import LogLine, Snapshot

LEVEL_STYLE = {"error": "bold red", "warn": "yellow", "warning": "yellow", "debug": "dim"}
# A rendered line (Textual strips and their caches) costs ~9 KB, its text alone under 1 KB: the pane
# draws the newest 500 and keeps the text of the newest 2,000 for the filter to search, so a console
# open for a shift holds a few MB of logs, not 18 (benchmarks/README.md, the soak).
SHOWN_LINES = 500
KEPT_LINES = 2000


def format_line(line: LogLine) -> Text:
    stamp = time.strftime("%H:%M:%S", time.localtime(line.time))
    level = "" if line.level in ("info", "log") else f" {line.level.upper()}"
    text = Text(f"{stamp} ", style="dim")
    text.append(f"{line.worker}{level}: ", style=LEVEL_STYLE.get(line.level, "bold"))
    text.append(line.message, style="red" if line.level == "error" else "")
    return text


class LogPane(RichLog):
    DEFAULT_CSS = """
    LogPane {
        overflow-x: hidden;
        overflow-y: auto;
        border: round $border-blurred;
        border-title-color: $text-muted;
        height: 1fr;
    }
    LogPane:focus { border: round $border; }
    """

    def __init__(self, **kwargs) -> None:
        # Wrapped, not scrolled sideways: an error message is read whole, and a pane that never scrolls
        # horizontally has no scrollbar to redraw.
        super().__init__(max_lines=SHOWN_LINES, auto_scroll=True, wrap=True, markup=False, highlight=False,
                         min_width=20, **kwargs)
        self.border_title = "Logs"
        self._last: LogLine | None = None
        self._all: list[Text] = []
        self.filter_text = ""

    def show(self, snapshot: Snapshot) -> None:
        fresh = list(snapshot.logs)
        if self._last is not None and self._last in fresh:
            fresh = fresh[fresh.index(self._last) + 1:]
        if not fresh:
            return
        self._last = snapshot.logs[-1]
        lines = [format_line(line) for line in fresh]
        self._all = (self._all + lines)[-KEPT_LINES:]
        needle = self.filter_text.lower()
        for line in lines:
            if needle in line.plain.lower():
                self.write(line)

    def refilter(self, needle: str) -> None:
        self.filter_text = needle
        self.clear()
        matching = [line for line in self._all if needle.lower() in line.plain.lower()]
        for line in matching[-SHOWN_LINES:]:
            self.write(line)
