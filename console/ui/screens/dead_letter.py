"""The dead-letter detail as a screen of its own (narrow terminals, or Enter on a row)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from console.model import DeadLetter
from console.ui.widgets.dead_letter_detail import DeadLetterDetail
from console.ui.widgets.header_bar import HeaderBar


class DeadLetterScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="back")]

    def __init__(self, letter: DeadLetter) -> None:
        super().__init__(id="dead-letter-screen")
        self.letter = letter

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield DeadLetterDetail()
        yield Footer()

    def on_mount(self) -> None:
        header = self.query_one(HeaderBar)
        header.update(f"dead letter {self.letter.id} · {self.letter.queue}")
        detail = self.query_one(DeadLetterDetail)
        detail.show(self.letter)
        detail.focus()

    @property
    def selected_dead_letter(self) -> DeadLetter | None:
        return self.letter
