"""Every key, generated from the binding table with the user's keymap applied."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from console.ui.bindings import ACTIONS
from console.ui.markup import cell

ABOUT = (
    "Dead letters are messages a queue consumer gave up on after its retries. Replay sends them back "
    "to their source queue (rate limited); delete drops them. Data ages in the status line; a source "
    "that fails is marked down and retried on the next poll."
)


def key_rows(keymap: dict[str, str], read_only: bool) -> list[tuple[str, str, str]]:
    """(keys as shown, id for [keymap], what it does) for every action, with the user's keymap applied."""
    rows = []
    for action in ACTIONS:
        keys = keymap.get(action.id, action.keys)
        shown = ", ".join(format_key(k.strip()) for k in keys.split(","))
        note = " (off: read-only)" if read_only and action.changes_things else ""
        rows.append((shown, action.id, f"{action.help}{note}"))
    return rows


class HelpScreen(ModalScreen[None]):
    # A grid, so a long description wraps inside its own column instead of back under the keys
    # (as one block of padded text did at 80 and 120 columns); the id column goes when narrow.
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 96%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    HelpScreen Grid { grid-size: 3; grid-columns: 12 19 1fr; grid-gutter: 0 1; height: auto; }
    HelpScreen Grid > Static { height: auto; }
    HelpScreen .heading { text-style: bold; color: $accent; }
    HelpScreen .keys { text-style: bold; }
    HelpScreen .id { color: $text-muted; }
    HelpScreen.-narrow Grid { grid-size: 2; grid-columns: 12 1fr; }
    HelpScreen.-narrow .id { display: none; }
    HelpScreen .notes { height: auto; margin-top: 1; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help-close")]

    def __init__(self, keymap: dict[str, str], read_only: bool) -> None:
        super().__init__(id="help")
        self.keymap = keymap
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            with Grid():
                for text, kind in (("key", "heading keys"), ("id (for [keymap])", "heading id"), ("what it does", "heading")):
                    yield Static(text, markup=False, classes=kind)
                for keys, action_id, what in key_rows(self.keymap, self.read_only):
                    yield Static(keys, markup=False, classes="keys")
                    yield Static(action_id, markup=False, classes="id")
                    yield Static(what, markup=False)
            yield Static(
                "On the dead-letter table: Enter opens the detail; Escape goes back.\n"
                + cell("Your own keys: [keymap] in ~/.config/tova/console.toml, id = \"key\".", None, "$text-muted")
                + "\n\n" + cell(ABOUT, None, "$text-muted"),
                markup=True, classes="notes",
            )

    def action_dismiss(self) -> None:
        self.dismiss(None)
