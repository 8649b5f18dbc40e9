"""The small pure pieces of the UI: formatting, themes as data, the user's config file."""

from __future__ import annotations

import time

import pytest

from console.ui import formatting as fmt
from console.ui.config import ConfigError, ConsoleConfig, load_config
from console.ui.themes import load_themes, parse_theme


def test_spark_scales_between_min_and_max_and_keeps_width():
    line = fmt.spark([0, 5, 10, 5, 0], 10)
    assert len(line) == 5 and line[0] == line[-1] and line[2] == "█" and line[0] == "▁"
    assert fmt.spark(list(range(100)), 8) == fmt.spark(list(range(92, 100)), 8)
    assert fmt.spark([], 5) == ""


def test_numbers_sizes_trends_and_ages_are_short():
    assert (fmt.number(3.0), fmt.number(12345), fmt.number(0.5), fmt.number(None)) == ("3", "12.3k", "0.50", "–")
    assert fmt.size(3 * 1024 * 1024) == "3.0 MB"
    assert (fmt.trend(2), fmt.trend(-1), fmt.trend(0), fmt.trend(None)) == ("↑2", "↓1", "·", "·")
    assert (fmt.age(5), fmt.age(600), fmt.age(7200), fmt.age(3 * 86400)) == ("5s", "10m", "2h", "3d")


def test_clock_says_the_day_when_it_is_not_today(monkeypatch):
    now = time.mktime((2026, 11, 30, 12, 0, 0, 0, 0, -1))
    assert fmt.clock(now - 60, now) == "11:59:00"
    assert fmt.clock(now + 86400, now).endswith("12:00") and ":" in fmt.clock(now + 86400, now)
    assert fmt.clock(now + 86400, now) != fmt.clock(now, now)[:5]
    assert fmt.clock(now - 40 * 86400, now).startswith("2026-10-21")


def test_every_bundled_theme_loads():
    themes, problems = load_themes()
    assert problems == []
    assert {"tova-dark", "tova-light", "tova-16"} <= set(themes)
    assert themes["tova-16"].ansi and not themes["tova-light"].dark


def test_a_broken_user_theme_is_reported_and_skipped(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "x"\nprimary = "#fff"\ncolour = "typo"\n')
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "#123456"\n')
    themes, problems = load_themes(tmp_path)
    assert "mine" in themes and "x" not in themes
    assert len(problems) == 1 and "colour" in problems[0].message


def test_theme_needs_a_name_and_primary():
    with pytest.raises(ValueError, match="name"):
        parse_theme('primary = "#fff"', "t.toml")


def test_config_file_keymap_and_flags(tmp_path):
    path = tmp_path / "console.toml"
    path.write_text('theme = "tova-16"\ninterval = 5\n[keymap]\nreplay = "ctrl+y"\n')
    config = load_config(path)
    assert (config.theme, config.interval, config.keymap) == ("tova-16", 5.0, {"replay": "ctrl+y"})
    flagged = config.with_flags(theme=None, interval=1.5, read_only=True, mouse=None)
    assert (flagged.theme, flagged.interval, flagged.read_only, flagged.mouse) == ("tova-16", 1.5, True, True)
    assert load_config(tmp_path / "missing.toml") == ConsoleConfig()
    # a file without an interval leaves it to the project (tova.toml), not to a hidden default
    path.write_text('theme = "tova-16"\n')
    assert load_config(path).interval is None


@pytest.mark.parametrize("text, message", [
    ('interval = 0.1', "at least"),
    ('intervall = 2', "unknown settings intervall"),
    ('[keymap]\nreplya = "y"', "unknown binding ids replya"),
    ('theme = ', "console.toml"),
])
def test_bad_config_says_which_file_and_why(tmp_path, text, message):
    path = tmp_path / "console.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_an_installed_copy_finds_its_themes_and_stylesheet(tmp_path):
    # A non-editable install has no source tree: the theme files and app.tcss must travel as package
    # data. Build the packages as an install would (setuptools build_py) and load from that copy only.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    lib = tmp_path / "lib"
    build = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                            "--build-lib", str(lib)], cwd=root, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    probe = (
        "import themes, console.ui.app as app, pathlib\n"
        "from console.ui.themes import load_themes\n"
        f"assert themes.__file__.startswith({str(lib)!r}), themes.__file__\n"
        "found, problems = load_themes(pathlib.Path('no-user-themes'))\n"
        "assert not problems and {'tova-dark', 'tova-light', 'tova-16'} <= set(found), (found, problems)\n"
        "assert (pathlib.Path(app.__file__).parent / 'app.tcss').is_file()\n"
    )
    env = {"PYTHONPATH": str(lib), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
