"""Building Textual content markup for the read-only panels: padded, escaped, theme-coloured cells.

Colours are theme variables (``$success``, ``$error``, ...) so every theme, the 16-colour one too,
decides what they look like.
"""

from __future__ import annotations

from textual.markup import escape

from console.model import Health

HEALTH_STYLE = {
    Health.OK: "$success",
    Health.DEGRADED: "$warning",
    Health.DOWN: "$error",
    Health.UNAVAILABLE: "$text-muted",
    Health.UNKNOWN: "$text-muted",
}
HEALTH_MARK = {
    Health.OK: "●",
    Health.DEGRADED: "▲",
    Health.DOWN: "✖",
    Health.UNAVAILABLE: "○",
    Health.UNKNOWN: "…",
}


def cell(text: str, width: int | None = None, style: str | None = None, right: bool = False) -> str:
    if width is not None:
        if len(text) > width:
            text = text[: max(0, width - 1)] + "…" if width > 1 else text[:width]
        text = text.rjust(width) if right else text.ljust(width)
    text = escape(text)
    return f"[{style}]{text}[/]" if style and text.strip() else text


def health(status: Health, width: int | None = None) -> str:
    return cell(f"{HEALTH_MARK[status]} {status.value}", width, HEALTH_STYLE[status])
