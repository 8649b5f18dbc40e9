"""The dead letters: one row per message, newest first, with the error that killed it."""

from __future__ import annotations

from rich.text import Text

from console.model import DeadLetter, Snapshot
from console.ui import formatting as fmt
from console.ui.widgets.synced_table import SyncedTable


def short_id(letter_id: str) -> str:
    return letter_id if len(letter_id) <= 12 else letter_id[:11] + "…"


def matches(letter: DeadLetter, needle: str) -> bool:
    if not needle:
        return True
    haystack = " ".join([letter.id, letter.queue, letter.dlq, letter.error or "", str(letter.body)])
    return needle.lower() in haystack.lower()


class DeadLetterTable(SyncedTable):
    DEFAULT_CSS = """
    DeadLetterTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(
            [("id", "id", 12), ("queue", "queue", None), ("attempts", "tries", None),
             ("last_seen", "last seen", None), ("error", "error", None)],
            **kwargs,
        )
        self.letters: dict[str, DeadLetter] = {}
        self.filter_text = ""

    def show(self, snapshot: Snapshot) -> None:
        now = snapshot.taken_at
        shown = [d for d in snapshot.dead_letters if matches(d, self.filter_text)]
        self.letters = {d.id: d for d in snapshot.dead_letters}
        self.sync([
            (d.id, (short_id(d.id), d.queue, str(d.attempts), fmt.clock(d.last_seen, now),
                    Text(fmt.one_line(d.error or "", 80), style="red" if d.error else "")))
            for d in shown
        ])

    @property
    def selected_letter(self) -> DeadLetter | None:
        key = self.selected_key
        return self.letters.get(key) if key else None
