"""The selected dead letter's reason in full, wrapped under the table: readable at 80x24 without
opening the letter, where the table row has room for only the start of it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.model import DeadLetter
from console.ui import formatting as fmt

STATES = {
    "in_flight": "replayed, on its queue now: it leaves the store once consumed",
    "replaying": "a replay holds it right now",
    "arriving": "given up on, reaching its dead-letter queue's store now: replayable in a moment",
}


def preview(letter: DeadLetter | None, now: float) -> Text:
    if letter is None:
        return Text("")
    text = Text()
    text.append(fmt.one_line(letter.error, 600) if letter.error else "(no error recorded)",
                style="red" if letter.error else "dim")
    facts = [f"{letter.queue}", f"{letter.attempts} tries", f"died {fmt.age(now - letter.last_seen)} ago"]
    if letter.replays:
        facts.append(f"replayed {letter.replays} time{'s' if letter.replays != 1 else ''} before, "
                     f"first died {fmt.age(now - letter.first_seen)} ago")
    if letter.state in STATES:
        facts.append(STATES[letter.state])
    text.append("\n" + " · ".join(facts), style="dim")
    return text


class DeadLetterPreview(Static):
    DEFAULT_CSS = """
    DeadLetterPreview {
        height: auto;
        max-height: 4;
        padding: 0 1;
        border-top: solid $border-blurred;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None

    def show(self, letter: DeadLetter | None, now: float) -> None:
        key = (letter, int(now // 60))  # ages move by the minute: no redraw (no bytes) in between
        if key == self._shown:
            return
        self._shown = key
        self.update(preview(letter, now))
        self.display = letter is not None
