"""The local secrets file: random values once, kept afterwards, private, never shown in full."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from console.targets.local.secrets import (
    ADMIN_TOKEN,
    SecretsFileError,
    ensure_secrets,
    mask,
    read_secrets,
    secrets_path,
)


def test_first_run_creates_random_values_for_every_secret_and_the_admin_token(tmp_path: Path):
    path = tmp_path / ".dev.vars"
    values = ensure_secrets(path, ["API_KEY"])
    assert set(values) == {"API_KEY", ADMIN_TOKEN}
    assert len(values["API_KEY"]) >= 32 and values["API_KEY"] != values[ADMIN_TOKEN]
    assert read_secrets(path) == values
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_two_projects_get_different_values(tmp_path: Path):
    a = ensure_secrets(tmp_path / "a.vars", ["API_KEY"])
    b = ensure_secrets(tmp_path / "b.vars", ["API_KEY"])
    assert a["API_KEY"] != b["API_KEY"]


def test_later_runs_keep_values_comments_and_add_only_new_names(tmp_path: Path):
    path = tmp_path / ".dev.vars"
    path.write_text('# mine\nAPI_KEY="chosen by me"\n')
    path.chmod(0o644)
    values = ensure_secrets(path, ["API_KEY", "WEBHOOK_SECRET"])
    assert values["API_KEY"] == "chosen by me"
    text = path.read_text()
    assert text.startswith('# mine\nAPI_KEY="chosen by me"\n')
    assert f"WEBHOOK_SECRET={values['WEBHOOK_SECRET']}" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ensure_secrets(path, ["API_KEY", "WEBHOOK_SECRET"]) == values


def test_a_malformed_line_names_the_file_and_line_but_not_its_content(tmp_path: Path):
    path = tmp_path / ".dev.vars"
    path.write_text("OK=1\nhunter2-without-a-name\n")
    with pytest.raises(SecretsFileError) as error:
        read_secrets(path)
    assert f"{path}:2" in str(error.value) and "hunter2" not in str(error.value)


def test_mask_never_shows_the_whole_value():
    value = "s3cr3t-value-that-is-long-enough"
    shown = mask(value)
    assert str(len(value)) in shown
    # not even a prefix: no run of the value's characters appears
    assert not any(value[i:i + 3] in shown for i in range(len(value) - 2))
    assert mask("short") == "•••• (5 chars)"


def test_the_file_lives_beside_the_program(tmp_path: Path):
    assert secrets_path(tmp_path / "app" / "pipeline.tova") == (tmp_path / "app" / ".dev.vars").resolve()
