"""The top line: project, target and account (``session.target_label``, never a secret), read-only."""

from __future__ import annotations

from textual.widgets import Static

from console.ui.markup import cell


class HeaderBar(Static):
    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        background: $primary 30%;
        color: $text;
        padding: 0 1;
        text-style: bold;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("tova console", markup=True, **kwargs)

    def set_target(self, project: str, label: str, read_only: bool) -> None:
        text = cell("tova console", None, "$accent") + " · " + cell(project) + " · " + cell(label)
        if read_only:
            text += " · " + cell("READ-ONLY", None, "$warning")
        self.update(text, layout=False)  # one line, fixed size: no reflow
