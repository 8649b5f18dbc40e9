"""Plain literal values in config positions (`{ id: "..." }`, `max_retries: 3`)."""

from __future__ import annotations

from compiler import ast


def literal(expr) -> tuple[bool, object]:
    """(True, value) for a plain literal the config can carry; (False, None) otherwise."""
    if isinstance(expr, ast.String) and all(isinstance(p, str) for p in expr.parts):
        return True, "".join(expr.parts)
    if isinstance(expr, ast.Number):
        return True, expr.value
    if isinstance(expr, ast.Bool):
        return True, expr.value
    return False, None
