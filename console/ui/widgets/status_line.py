"""One line that answers "can I trust what I see?": data age, polling state, sources down, and the
latest action's progress or result."""

from __future__ import annotations

import time

from textual.reactive import reactive
from textual.widgets import Static

from console.model import SourceStatus
from console.ui import formatting as fmt
from console.ui.markup import cell


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    paused: reactive[bool] = reactive(False)
    interval: reactive[float] = reactive(2.0)
    read_only: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=True, **kwargs)
        self.last_data_at: float | None = None
        self.poll_error: str | None = None
        self.down: tuple[SourceStatus, ...] = ()
        self.note: str = ""
        self.note_style: str | None = None
        self._shown = ""
        self.clock = time.time  # the app may hand in its own (tests freeze it for stable pictures)

    def on_mount(self) -> None:
        # Once a second is enough for an age in whole seconds; the text changes only when it differs.
        self.set_interval(1.0, self.refresh_text)
        self.refresh_text()

    def watch_paused(self) -> None:
        self.refresh_text()

    def watch_interval(self) -> None:
        self.refresh_text()

    def data_arrived(self, at: float, down: tuple[SourceStatus, ...]) -> None:
        self.last_data_at, self.down, self.poll_error = at, down, None
        self.refresh_text()

    def poll_failed(self, error: str) -> None:
        self.poll_error = error
        self.refresh_text()

    def set_note(self, text: str, style: str | None = None) -> None:
        self.note, self.note_style = text, style
        self.refresh_text()

    def describe(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        parts: list[str] = []
        if self.paused:
            parts.append(cell("⏸ paused", None, "$warning"))
        else:
            parts.append(cell(f"⟳ every {self.interval:g}s", None, "$text-muted"))
        if self.last_data_at is None:
            parts.append(cell("waiting for the first poll", None, "$text-muted"))
        else:
            # Fresh data shows the time of the poll, which changes once per poll; only stale data
            # counts its age every second (and in red), so an idle console stays quiet over SSH.
            age = now - self.last_data_at
            if self.paused or age > max(3 * self.interval, self.interval + 5):
                parts.append(cell(f"data {fmt.age(age)} old", None, "$error" if not self.paused else "$warning"))
            else:
                parts.append(cell(f"data at {time.strftime('%H:%M:%S', time.localtime(self.last_data_at))}", None))
        if self.poll_error:
            parts.append(cell(f"poll failed: {fmt.one_line(self.poll_error, 60)}", None, "$error"))
        elif self.down:
            names = ", ".join(s.name for s in self.down[:3]) + ("…" if len(self.down) > 3 else "")
            first = self.down[0].error or "no answer"
            parts.append(cell(f"▲ down: {names} ({fmt.one_line(first, 40)})", None, "$error"))
        if self.read_only:
            parts.append(cell("read-only", None, "$accent"))
        if self.note:
            parts.append(cell(self.note, None, self.note_style))
        return " · ".join(parts)

    def refresh_text(self) -> None:
        text = self.describe()
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)  # one line, fixed size: no reflow
