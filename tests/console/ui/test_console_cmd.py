"""`tova console` argument handling: bad flags and config are refused before any screen opens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def tova(*args: str, cwd: Path = ROOT, env_home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(env_home or cwd), "XDG_CONFIG_HOME": str((env_home or cwd) / "cfg")}
    return subprocess.run([sys.executable, "-m", "console.cli", "console", *args], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_unknown_theme_names_the_ones_there_are(tmp_path):
    result = tova("examples/jobs/jobs.tova", "--theme", "nope", env_home=tmp_path)
    assert result.returncode == 2
    assert "no theme 'nope'" in result.stderr and "tova-16" in result.stderr


def test_too_short_interval_is_refused(tmp_path):
    result = tova("examples/jobs/jobs.tova", "--interval", "0.01", env_home=tmp_path)
    assert result.returncode == 2 and "at least" in result.stderr


def test_missing_file_is_named(tmp_path):
    result = tova(str(tmp_path / "absent.tova"), env_home=tmp_path)
    assert result.returncode != 0 and "absent.tova: no such file" in result.stderr


def test_broken_user_config_is_reported_with_its_path(tmp_path):
    (tmp_path / "cfg" / "tova").mkdir(parents=True)
    (tmp_path / "cfg" / "tova" / "console.toml").write_text("[keymap]\nnot-an-action = 'x'\n")
    result = tova("examples/jobs/jobs.tova", env_home=tmp_path)
    assert result.returncode == 2
    assert "console.toml" in result.stderr and "not-an-action" in result.stderr


def test_a_theme_file_with_a_toml_error_is_reported_with_its_line(tmp_path):
    themes = tmp_path / "cfg" / "tova" / "themes"
    themes.mkdir(parents=True)
    (themes / "night.toml").write_text('name = "night"\nbackground = "#000\n')
    result = tova("examples/jobs/jobs.tova", "--theme", "night", env_home=tmp_path)
    assert result.returncode == 2
    assert "night.toml" in result.stderr and "line 2" in result.stderr, result.stderr
