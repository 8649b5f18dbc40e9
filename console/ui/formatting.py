"""Short, stable text for numbers, sizes, times and trends.

Stable matters over SSH: a cell whose text does not change is not redrawn, so clock times
("09:14:03") are preferred to ages ("3s ago") in tables, and only the status line ticks.
"""

from __future__ import annotations

import re
import time
from typing import Sequence

_BLOCKS = " ▁▂▃▄▅▆▇█"


def spark(values: Sequence[float], width: int) -> str:
    """A one-line chart of the last ``width`` values in block characters.

    Drawn as plain text with one style rather than Textual's gradient Sparkline: one colour per cell
    keeps redraws to a few bytes over SSH and reads the same on a 16-colour terminal.
    """
    points = list(values)[-width:]
    if not points:
        return ""
    low, high = min(points), max(points)
    if high == low:
        level = 1 if high > 0 else 0
        return (_BLOCKS[level] if level else "▁") * len(points)
    scale = (len(_BLOCKS) - 2) / (high - low)
    return "".join(_BLOCKS[1 + int((v - low) * scale)] for v in points)


def number(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        value = int(value)
        if abs(value) >= 1_000_000:
            return f"{value / 1_000_000:.1f}M"
        if abs(value) >= 10_000:
            return f"{value / 1000:.1f}k"
        return str(value)
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def size(value: int | None) -> str:
    if value is None:
        return "–"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return "–"


def trend(change: float | None) -> str:
    if change is None or change == 0:
        return "·"
    arrow = "↑" if change > 0 else "↓"
    return f"{arrow}{number(abs(change))}"


def rate(per_s: float | None) -> str:
    if per_s is None:
        return "–"
    return f"{per_s:.1f}/s" if per_s < 10 else f"{per_s:.0f}/s"


def clock(epoch_s: float | None, now: float | None = None) -> str:
    """HH:MM:SS today, the weekday within a week, else the date (a dead letter from last month should
    look old, and a cron's next run tomorrow should not read as a time that already passed)."""
    if epoch_s is None:
        return "–"
    now = time.time() if now is None else now
    local = time.localtime(epoch_s)
    if time.strftime("%Y-%m-%d", local) == time.strftime("%Y-%m-%d", time.localtime(now)):
        return time.strftime("%H:%M:%S", local)
    if abs(now - epoch_s) < 6 * 86400:
        return time.strftime("%a %H:%M", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


def age(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f}m"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def one_line(text: str | None, limit: int = 200) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_LONG_ID = re.compile(r"\b[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}\b|\b[0-9a-fA-F]{16,}\b")


def compact_ids(text: str) -> str:
    """Long ids inside a message (UUIDs, hex digests) cut to 8 characters: real errors start with an
    id, and in a table row the id would take all the room the reason needs."""
    return _LONG_ID.sub(lambda m: m.group(0)[:8] + "…", text)


_SEGMENT = re.compile(r"[-_.]")


def fit_name(name: str, width: int) -> str:
    """A name cut to ``width`` keeping its end, where names made of words differ: "domains_active" in
    8 columns is "…active", not "domains…" (which "domains_pending" would read as too). A name with no
    separator, or whose last word alone is too long, is cut at the end as usual."""
    if len(name) <= width:
        return name
    cuts = [m.end() for m in _SEGMENT.finditer(name)]
    for cut in cuts:
        tail = name[cut:]
        if tail and len(tail) + 1 <= width:
            return "…" + tail
    return name[: max(0, width - 1)] + "…" if width > 1 else name[:width]
