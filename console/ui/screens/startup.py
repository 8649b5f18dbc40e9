"""Compile and start, with progress; a compile error is shown with its caret, not a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Log, Static


class StartupScreen(Screen):
    DEFAULT_CSS = """
    StartupScreen { align: center middle; }
    StartupScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 1 2; }
    StartupScreen #startup-title { text-style: bold; color: $accent; margin-bottom: 1; }
    StartupScreen Log { height: auto; max-height: 12; border: none; background: $surface; }
    StartupScreen #startup-error { display: none; color: $error; margin-top: 1; }
    StartupScreen.-failed #startup-error { display: block; }
    StartupScreen #startup-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("r", "retry", "Retry", id="startup-retry"),
        Binding("q", "app.quit", "Quit", id="startup-quit"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__(id="startup")
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="startup-title", markup=False)
            yield Log(id="startup-log")
            yield Static("", id="startup-error", markup=False)
            yield Static("starting…", id="startup-hint")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Retry means something only after a failure; while starting, the footer should not offer it.
        if action == "retry":
            return "-failed" in self.classes
        return True

    def action_retry(self) -> None:
        self.app.action_retry_start()

    def progress(self, line: str) -> None:
        self.query_one(Log).write_line(line)

    def failed(self, text: str, compile_error: bool) -> None:
        self.add_class("-failed")
        self.refresh_bindings()
        self.query_one("#startup-error", Static).update(text)
        hint = ("Fix the file and press r to compile again, or q to quit." if compile_error
                else "Press r to try again, or q to quit.")
        self.query_one("#startup-hint", Static).update(hint)

    def restart(self) -> None:
        self.remove_class("-failed")
        self.refresh_bindings()
        self.query_one(Log).clear()
        self.query_one("#startup-hint", Static).update("starting…")
