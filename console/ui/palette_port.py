"""What the command palette needs from the app, as a protocol: the palette (commands.py) calls actions
through this seam and never imports the app module, which imports the palette."""

from __future__ import annotations

from typing import Protocol

from console.model import Snapshot
from console.ui.config import ConsoleConfig


class PaletteHost(Protocol):
    config: ConsoleConfig
    snapshot: Snapshot | None
    console_theme_names: list[str]
    theme: str

    def run_named_action(self, action: str) -> None:
        """Run a binding's action by name, as its key would."""

    def run_cron_named(self, name: str) -> None:
        """Run one cron now, by name."""
