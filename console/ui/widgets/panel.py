"""The base of the read-only panels: a bordered Static that redraws only when its text changed."""

from __future__ import annotations

from textual.widgets import Static


class Panel(Static):
    DEFAULT_CSS = """
    Panel {
        border: round $border-blurred;
        border-title-color: $text-muted;
        padding: 0 1;
        height: auto;
        width: 1fr;
    }
    Panel:focus-within, Panel:focus {
        border: round $border;
    }
    """

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__("", markup=True, **kwargs)
        self.border_title = title
        self._shown: str | None = None

    def show_markup(self, markup: str) -> None:
        # Skipping identical updates is what keeps an idle console at a few bytes per second over SSH.
        if markup != self._shown:
            self._shown = markup
            self.update(markup)

    @property
    def inner_width(self) -> int:
        return max(10, self.content_region.width or self.size.width - 4)

    def remember(self, *args) -> None:
        """Keep what was shown last, so a resize can lay it out again for the new width."""
        self._last_args = args

    def on_resize(self) -> None:
        args = getattr(self, "_last_args", None)
        if args:
            self.show(*args)  # type: ignore[attr-defined]
