"""What an expression is, as code generation needs to know it without emitting it: surely a number
(so `*` multiplies rather than repeats), a test against nil, a flat left-leaning chain of one operator
level (emitted without parentheses and without recursion), or code that awaits (its IIFE must too)."""

from __future__ import annotations

from compiler import ast

# JavaScript's precedence levels, for chains that can be written without parentheses
JS_LEVEL = {"+": "add", "-": "add", "*": "mul", "/": "mul", "%": "mul", "and": "and", "or": "or", "??": "nullish",
            "==": "eq", "!=": "eq", "<": "rel", "<=": "rel", ">": "rel", ">=": "rel"}
NUMERIC_BUILTINS = frozenset("__tova_len __tova_int __tova_float __tova_sum __tova_abs __tova_round __tova_floor __tova_ceil __tova_sqrt __tova_pow".split())


def is_nil_test(node) -> bool:
    return node.op in ("==", "!=") and (isinstance(node.left, ast.Nil) or isinstance(node.right, ast.Nil))


def left_chain(node, ops) -> list:
    """The operands of `a op b op c ...` leaning left, without recursion: [a, b, c, ...]."""
    right = []
    while type(node) is ast.Binary and node.op in ops and not is_nil_test(node) and not (node.op == "*" and not (is_numeric(node.left) and is_numeric(node.right))):
        right.append(node.right)
        node = node.left
    return [node] + right[::-1]


def left_chain_ops(node, count: int) -> list[str]:
    ops = []
    for _ in range(count):
        ops.append(node.op)
        node = node.left
    return ops[::-1]


def is_numeric(node) -> bool:
    """Is the value surely a number (so `*` is plain multiplication, not string repetition)?"""
    kind = type(node)
    if kind is ast.Number:
        return True
    if kind is ast.Unary:
        return node.op in ("-", "+")
    if kind is ast.Binary:
        if node.op in ("-", "/", "%", "**"):
            return True
        if node.op in ("+", "*"):
            return is_numeric(node.left) and is_numeric(node.right)
        return False
    if kind is ast.Call and isinstance(node.callee, ast.Name):
        symbol = getattr(node.callee, "symbol", None)
        return symbol is not None and symbol.kind == "builtin" and symbol.js in NUMERIC_BUILTINS
    return False


def contains_await(node) -> bool:
    """Does `node` await outside any nested function? (Then its IIFE must be async and awaited.)"""
    if isinstance(node, ast.Await):
        return True
    if isinstance(node, ast.Lambda):
        return False
    if type(node) is ast.Binary:
        rights = []
        while type(node) is ast.Binary:
            rights.append(node.right)
            node = node.left
        return contains_await(node) or any(contains_await(right) for right in rights)
    if isinstance(node, list):
        return any(contains_await(item) for item in node)
    if isinstance(node, tuple):
        return any(contains_await(item) for item in node)
    names = getattr(node, "_fields", None)
    if names is not None:
        return any(contains_await(getattr(node, name)) for name in names if name != "span")
    return False
