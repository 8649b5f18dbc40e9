"""The dispatcher loads only the command typed, so one command never pays for the others' imports."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("word, module", [("console", "console_cmd"), ("build", "build"), ("status", "status")])
def test_only_the_typed_commands_module_is_imported(word, module):
    probe = (
        "import sys; from console.cli import COMMANDS, build_parser; build_parser(%r); "
        "print(sorted(c for c in COMMANDS if 'console.commands.' + c in sys.modules))" % word
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str([module])


def test_help_still_lists_every_command(capsys):
    from console.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    for word in ["build", "dev", "deploy", "status", "dlq", "cron", "console"]:
        assert f"\n    {word} " in listed
