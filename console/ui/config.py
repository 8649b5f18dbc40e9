"""The console's settings as data: defaults, then the user's config file, then command-line flags.

The file is TOML at ``$TOVA_CONSOLE_CONFIG`` or ``$XDG_CONFIG_HOME/tova/console.toml``:

    theme = "tova-16"
    interval = 5
    mouse = false
    [keymap]
    replay = "ctrl+r"     # binding id (see `?` in the console) = Textual key names
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from console.ui.bindings import unknown_keymap_ids
from console.ui.themes import DEFAULT_THEME

MIN_INTERVAL_S = 0.5
DEFAULT_INTERVAL_S = 2.0


class ConfigError(Exception):
    """The user's console config cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class ConsoleConfig:
    theme: str = DEFAULT_THEME
    interval: float | None = None  # seconds; None: the project's tova.toml decides ([console] interval)
    read_only: bool = False
    mouse: bool = True
    keymap: dict[str, str] = field(default_factory=dict)
    replay_rate: float | None = None  # messages per second; None: the project's tova.toml decides

    def with_flags(self, **flags: object) -> "ConsoleConfig":
        """Command-line flags override the file; a flag left at None keeps the file's value."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


def config_path() -> Path:
    explicit = os.environ.get("TOVA_CONSOLE_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tova" / "console.toml"


def check_interval(value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"the interval must be a number of seconds, not {value!r}") from None
    if seconds < MIN_INTERVAL_S:
        raise ConfigError(f"the interval must be at least {MIN_INTERVAL_S} s, not {seconds:g}")
    return seconds


def load_config(path: Path | None = None) -> ConsoleConfig:
    path = path or config_path()
    if not path.exists():
        return ConsoleConfig()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    known = {"theme", "interval", "read_only", "mouse", "keymap", "replay_rate"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ConfigError(f"{path}: [keymap] maps binding ids to key names, like replay = \"ctrl+r\"")
    bad_ids = unknown_keymap_ids(keymap)
    if bad_ids:
        raise ConfigError(f"{path}: [keymap] has unknown binding ids {', '.join(bad_ids)}")
    try:
        return ConsoleConfig(
            theme=str(data.get("theme", DEFAULT_THEME)),
            interval=check_interval(data["interval"]) if "interval" in data else None,
            read_only=bool(data.get("read_only", False)),
            mouse=bool(data.get("mouse", True)),
            keymap=dict(keymap),
            replay_rate=float(data["replay_rate"]) if "replay_rate" in data else None,
        )
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
