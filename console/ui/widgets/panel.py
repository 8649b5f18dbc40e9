"""The base of the read-only panels: a bordered box of one-line rows, each redrawn only when its own
text changed.

Over SSH a redraw costs bytes for every cell of the widget redrawn; a panel made of single-line rows
sends only the rows that differ (a worker's heap, a counter), not the whole box, on each poll.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.widgets import Static


def set_subtitle(widget, text: str) -> None:
    """Setting a border subtitle redraws the whole box even when the text is the same: skip that."""
    if widget.border_subtitle != text:
        widget.border_subtitle = text


class PanelRow(Static):
    DEFAULT_CSS = """
    PanelRow { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """


class Panel(Vertical):
    DEFAULT_CSS = """
    Panel {
        border: round $border-blurred;
        border-title-color: $text-muted;
        padding: 0 1;
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = title
        self._lines: list[str] = []
        self._last_args: tuple = ()

    def show_markup(self, markup: str) -> None:
        lines = markup.split("\n")
        rows = list(self.query_children(PanelRow))
        for row, old, new in zip(rows, self._lines, lines):
            if old != new:
                row.update(new, layout=False)  # a row is one line of fixed width: no reflow needed
        if len(lines) > len(rows):
            self.mount_all(PanelRow(line, markup=True) for line in lines[len(rows):])
        for row in rows[len(lines):]:
            row.remove()
        self._lines = lines

    @property
    def plain_text(self) -> str:
        """What the panel says, without styles (for tests and screen readers of logs)."""
        return "\n".join(str(row.render()) for row in self.query_children(PanelRow))

    @property
    def inner_width(self) -> int:
        return max(10, self.content_region.width or self.size.width - 4)

    def remember(self, *args) -> None:
        """Keep what was shown last, so a resize can lay it out again for the new width."""
        self._last_args = args

    def on_resize(self) -> None:
        if self._last_args:
            self.show(*self._last_args)  # type: ignore[attr-defined]
