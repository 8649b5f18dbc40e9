"""Themes as data: TOML files in the top-level ``themes/`` folder, plus the user's own.

The bundled files are read through ``importlib.resources`` so a wheel install finds them as well as a
source checkout; a user folder (``$XDG_CONFIG_HOME/tova/themes``) can add or override themes. A broken
file is reported and skipped instead of stopping the console.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "tova-dark"
_THEME_FIELDS = {f.name for f in fields(Theme)}


@dataclass(frozen=True)
class ThemeProblem:
    source: str
    message: str


def user_themes_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tova" / "themes"


def parse_theme(text: str, source: str) -> Theme:
    data = tomllib.loads(text)
    unknown = sorted(set(data) - _THEME_FIELDS)
    if unknown:
        raise ValueError(f"unknown keys {', '.join(unknown)}")
    if "name" not in data or "primary" not in data:
        raise ValueError("a theme needs at least `name` and `primary`")
    return Theme(**data)


def _bundled_files() -> list[tuple[str, str]]:
    try:
        folder = resources.files("themes")
        return [(f"themes/{entry.name}", entry.read_text("utf-8"))
                for entry in folder.iterdir() if entry.name.endswith(".toml")]
    except (ModuleNotFoundError, FileNotFoundError):
        # Running from a source tree whose top folder is not importable: read it directly.
        folder_path = Path(__file__).resolve().parents[2] / "themes"
        return [(str(p), p.read_text("utf-8")) for p in sorted(folder_path.glob("*.toml"))]


def load_themes(extra_dir: Path | None = None) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every theme found, by name (user themes win over bundled ones), and the files that failed."""
    found: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    sources = sorted(_bundled_files())
    user_dir = extra_dir or user_themes_dir()
    if user_dir.is_dir():
        sources += [(str(p), p.read_text("utf-8")) for p in sorted(user_dir.glob("*.toml"))]
    for source, text in sources:
        try:
            theme = parse_theme(text, source)
        except (tomllib.TOMLDecodeError, ValueError, TypeError) as error:
            problems.append(ThemeProblem(source, str(error)))
            continue
        found[theme.name] = theme
    return found, problems
