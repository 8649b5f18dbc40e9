"""Every key, generated from the binding table with the user's keymap applied."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.ui.bindings import ACTIONS
from console.ui.markup import cell

ABOUT = (
    "Dead letters are messages a queue consumer gave up on after its retries. Replay sends them back "
    "to their source queue (rate limited); delete drops them. Data ages in the status line; a source "
    "that fails is marked down and retried on the next poll."
)


def help_markup(keymap: dict[str, str], read_only: bool) -> str:
    lines = [cell("key", 13, "bold $accent") + cell("id (for [keymap])", 19, "bold $accent") + cell("what it does", None, "bold $accent"), ""]
    for action in ACTIONS:
        keys = keymap.get(action.id, action.keys)
        shown = ", ".join(k.replace("question_mark", "?").replace("slash", "/") for k in keys.split(","))
        note = " (off: read-only)" if read_only and action.changes_things else ""
        lines.append(cell(shown, 13, "bold") + cell(action.id, 19, "$text-muted") + cell(f"{action.help}{note}"))
    lines += ["", cell("On the dead-letter table: Enter opens the detail; Escape goes back.", None),
              cell("Your own keys: [keymap] in ~/.config/tova/console.toml, id = \"key\".", None, "$text-muted"),
              "", cell(ABOUT, None, "$text-muted")]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 96%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help-close")]

    def __init__(self, keymap: dict[str, str], read_only: bool) -> None:
        super().__init__(id="help")
        self.keymap = keymap
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_markup(self.keymap, self.read_only), markup=True)

    def action_dismiss(self) -> None:
        self.dismiss(None)
