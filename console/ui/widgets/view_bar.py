"""Which lower view is showing, with its key; the bar appears only when the terminal is too short to
show dead letters, crons and logs together."""

from __future__ import annotations

from textual.widgets import Static

from console.ui.markup import cell

VIEWS = (("dead-letters", "1", "Dead letters"), ("crons", "2", "Crons"), ("logs", "3", "Logs"))


class ViewBar(Static):
    DEFAULT_CSS = """
    ViewBar { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=True, **kwargs)
        self.current = "dead-letters"
        self.counts: dict[str, int | None] = {}
        self._shown = ""

    def set_view(self, view: str) -> None:
        self.current = view
        self._render_bar()

    def set_counts(self, **counts: int | None) -> None:
        self.counts.update(counts)
        self._render_bar()

    def _render_bar(self) -> None:
        parts = []
        for view, key, title in VIEWS:
            count = self.counts.get(view)
            label = f"{key} {title}" + (f" ({count})" if count else "")
            parts.append(cell(f" {label} ", None, "reverse $accent" if view == self.current else None))
        text = "  ".join(parts)
        if text != self._shown:
            self._shown = text
            self.update(text, layout=False)  # one line, fixed size: no reflow
