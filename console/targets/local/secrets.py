"""The local secrets file: ``.dev.vars`` beside the ``.tova`` file, the format wrangler reads.

On first run every secret the program declares (and ``TOVA_ADMIN_TOKEN``, which unlocks the ops routes)
gets a random value; later runs keep what is there, so API keys handed to a client stay valid, and only
add what a changed program newly declares. The file is created mode 0600 and must stay out of git.
Values are never printed in full: ``mask`` shows enough to tell two apart.
"""

from __future__ import annotations

import os
import secrets as random_source
from pathlib import Path

FILE_NAME = ".dev.vars"
ADMIN_TOKEN = "TOVA_ADMIN_TOKEN"
_HEADER = (
    "# Local secrets for `tova dev` and `tova console` (wrangler's .dev.vars format).\n"
    "# Random values made on first run; edit freely. Never commit this file.\n"
)


class SecretsFileError(Exception):
    """The secrets file exists but cannot be used; the message names the file and the line."""


def secrets_path(source: str | Path) -> Path:
    """Where the secrets of the program in ``source`` live."""
    return Path(source).resolve().parent / FILE_NAME


def mask(value: str) -> str:
    """A secret as it may appear on screen or in a log: its length only. Even a short prefix is a
    quarter of an 16-character key for anyone reading the log."""
    return f"•••• ({len(value)} chars)" if value else "(empty)"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return value[1:-1]
    return value


def read_secrets(path: str | Path) -> dict[str, str]:
    """The NAME=value pairs of a ``.dev.vars`` file ({} when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            # The line itself may hold a secret: say where, not what.
            raise SecretsFileError(f"{path}:{number}: expected NAME=value")
        values[name.strip()] = _unquote(value.strip())
    return values


def new_secret_value() -> str:
    return random_source.token_urlsafe(32)


def ensure_secrets(path: str | Path, names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Makes sure ``path`` holds a value for each name (plus the admin token); returns all values.

    Existing values are kept untouched; new ones are appended, so comments and order survive.
    """
    path = Path(path)
    wanted = list(dict.fromkeys([*names, ADMIN_TOKEN]))
    values = read_secrets(path)
    missing = [name for name in wanted if name not in values]
    if not missing and path.exists():
        _restrict(path)
        return values
    added = {name: new_secret_value() for name in missing}
    existing = path.read_text() if path.exists() else _HEADER
    if existing and not existing.endswith("\n"):
        existing += "\n"
    text = existing + "".join(f"{name}={value}\n" for name, value in added.items())
    # Written to a private temporary file then renamed: never a moment where the secrets are world-readable.
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
    _restrict(path)
    return {**values, **added}


def _restrict(path: Path) -> None:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
