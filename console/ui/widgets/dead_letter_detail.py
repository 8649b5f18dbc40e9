"""One dead letter in full: where it came from, how often it was tried, why it died, its body."""

from __future__ import annotations

import json

from rich.console import Group
from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.model import DeadLetter
from console.ui import formatting as fmt


def pretty_body(body: object) -> str:
    if isinstance(body, str):
        try:
            body = json.loads(body)  # a JSON string inside a string is still JSON to a reader
        except ValueError:
            return body
    return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False, default=str)


class DeadLetterDetail(VerticalScroll):
    DEFAULT_CSS = """
    DeadLetterDetail {
        border: round $border-blurred;
        border-title-color: $text-muted;
        padding: 0 1;
        height: 1fr;
    }
    DeadLetterDetail:focus { border: round $border; }
    DeadLetterDetail > Static { width: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Dead letter"
        self.letter: DeadLetter | None = None
        self._shown_once = False
        self._body = Static(id="dead-letter-body")

    def compose(self):
        yield self._body

    def show(self, letter: DeadLetter | None) -> None:
        if letter == self.letter and self._shown_once:
            return  # the same letter (or still none): redrawing it would only cost bytes
        self._shown_once = True
        self.letter = letter
        if letter is None:
            self._body.update(Text("Select a dead letter to see its body and error.", style="dim"))
            return
        facts = Text()
        rows = [
            ("id", letter.id),
            ("queue", f"{letter.queue} → {letter.dlq}"),
            ("attempts", str(letter.attempts)),
            ("first seen", fmt.clock(letter.first_seen)),
            ("last seen", fmt.clock(letter.last_seen)),
        ]
        if letter.replays:
            rows.append(("replayed", f"{letter.replays} time{'s' if letter.replays != 1 else ''} before (this is the body coming back)"))
        if letter.state == "in_flight":
            rows.append(("state", "replayed, on its queue: leaves the store once consumed"))
        elif letter.state == "replaying":
            rows.append(("state", "a replay holds it right now"))
        elif letter.state == "arriving":
            rows.append(("state", "given up on; its dead-letter queue's consumer stores it in a moment"))
        if letter.worker:
            rows.append(("held by", letter.worker))
        for label, value in rows:
            facts.append(f"{label:>10}  ", style="dim")
            facts.append(value + "\n")
        error = Text()
        error.append("     error  ", style="dim")
        error.append(letter.error or "(no error recorded)", style="bold red" if letter.error else "dim")
        # Rich's JSON highlighter colours keys and values without painting a background, so the body
        # sits on the theme's surface in every theme, the 16-colour one included.
        body = JSONHighlighter()(Text(pretty_body(letter.body)))
        self._body.update(Group(facts, error, Text("\nbody", style="dim"), body))
