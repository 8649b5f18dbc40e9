"""The dead letters: one row per message, newest first, with the error that killed it."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text

from console.model import DeadLetter, Snapshot
from console.ui import formatting as fmt
from console.ui.widgets.synced_table import SyncedTable


def short_id(letter_id: str) -> str:
    return letter_id if len(letter_id) <= 9 else letter_id[:8] + "…"


# replayed and on its queue / a replay holds it / given up on, its DLQ's consumer not yet storing it
STATE_MARKS = {"in_flight": "→", "replaying": "…", "arriving": "↓"}


def matches(letter: DeadLetter, needle: str) -> bool:
    if not needle:
        return True
    haystack = " ".join([letter.id, letter.queue, letter.dlq, letter.error or "", str(letter.body)])
    return needle.lower() in haystack.lower()


class DeadLetterTable(SyncedTable):
    DEFAULT_CSS = """
    DeadLetterTable { height: 1fr; }
    """

    # The reason is what this table exists for: short id, age, tries and replays take 27 columns and
    # the error gets the rest (its first line, long ids inside it cut to 8 characters); the selected
    # letter's whole error is wrapped under the table (DeadLetterPreview).
    def __init__(self, **kwargs) -> None:
        super().__init__(
            [("id", "id", 9), ("age", "age", 4), ("attempts", "tries", 5), ("replays", "↻", 2),
             ("error", "error", None)],
            **kwargs,
        )
        self.letters: dict[str, DeadLetter] = {}
        self.filter_text = ""

    def show(self, snapshot: Snapshot, letters: Sequence[DeadLetter] | None = None) -> None:
        """The poll's letters, or ``letters`` (an older page of the store) with the poll's clock."""
        now = snapshot.taken_at
        letters = snapshot.dead_letters if letters is None else letters
        shown = [d for d in letters if matches(d, self.filter_text)]
        self.letters = {d.id: d for d in letters}
        several_queues = len({d.queue for d in letters}) > 1
        self.sync([(d.id, self.cells(d, now, several_queues)) for d in shown])

    @staticmethod
    def cells(letter: DeadLetter, now: float, several_queues: bool) -> tuple:
        first_line = (letter.error or "").strip().splitlines()[0] if letter.error else ""
        reason = fmt.compact_ids(fmt.one_line(first_line, 300))
        error = Text()
        if letter.state in STATE_MARKS:
            error.append(STATE_MARKS[letter.state] + " ", style="bold")
        if several_queues:
            error.append(f"{letter.queue}: ", style="dim")
        error.append(reason or "(no error recorded)", style="red" if reason else "dim")
        replays = str(letter.replays) if letter.replays else ""
        return (short_id(letter.id), fmt.age(now - letter.last_seen), str(letter.attempts), replays, error)

    @property
    def selected_letter(self) -> DeadLetter | None:
        key = self.selected_key
        return self.letters.get(key) if key else None
