"""The `tova` command: a thin dispatcher over one module per subcommand in ``console/commands/``.

Each command module exposes ``register(subparsers)`` (adds its parser and sets ``run``) and a
``run(args) -> int``. Exit codes: 0 ok, 1 failure, 2 usage (argparse's own).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# In `tova --help` order. A command is a module of console.commands with register(subparsers).
COMMANDS: list[str] = ["build", "dev", "deploy", "tail", "status", "dlq", "cron", "console_cmd"]
# The word typed -> its module, where they differ (`console` would read as the top-level package).
MODULE_OF_WORD: dict[str, str] = {"console": "console_cmd"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with just `only` when the command line names one: each
    command module imports what it needs, and `tova build` should not pay for the console's."""
    parser = argparse.ArgumentParser(
        prog="tova",
        description="Compile Tova edge programs to Cloudflare Workers, run them locally on workerd, "
        "deploy them, and watch them from a terminal console.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    only = MODULE_OF_WORD.get(only, only) if only else None
    for name in [only] if only in COMMANDS else COMMANDS:
        importlib.import_module(f"console.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tova status --json | head` closes the pipe early; that is not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
