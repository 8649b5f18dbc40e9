"""Ask for a new polling interval in seconds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.ui.config import ConfigError, check_interval


class IntervalScreen(ModalScreen[float | None]):
    DEFAULT_CSS = """
    IntervalScreen { align: center middle; }
    IntervalScreen > Vertical {
        width: 50; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    IntervalScreen #interval-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="interval-cancel")]

    def __init__(self, current: float) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Poll every how many seconds?")
            yield Input(value=f"{self.current:g}", id="interval-input")
            yield Static("", id="interval-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(check_interval(event.value))
        except ConfigError as error:
            self.query_one("#interval-error", Static).update(str(error))

    def action_cancel(self) -> None:
        self.dismiss(None)
