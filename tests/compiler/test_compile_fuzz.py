"""Random and mutated programs: the compiler either builds them or raises CompileError with
positioned diagnostics; it never raises anything else (no crash is ever the user's fault)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.diagnostics import CompileError
from compiler.driver import compile_source
from compiler.source import Source
from tova_testkit import SEED

SEED_TEXT = SEED.read_text()
TOKENS = [
    "edge", '"api"', "{", "}", "(", ")", "[", "]", "route", "GET", "POST", '"/x/:id"', "=>", "fn", "req", "params",
    "x", "=", "var", "+=", "if", "elif", "else", "for", "in", "while", "match", "_", "try", "catch", "finally",
    "throw", "return", "await", "async", "nil", "true", "false", "1", "2.5", '"s {x} t"', "'raw'", ",", ":", ".",
    "?.", "??", "|>", "and", "or", "not", "!", "==", "!=", "<", "+", "-", "*", "/", "%", "**", "...", "|", "\n",
    "kv", "sql", "storage", "queue", "QUEUE", "consume", "schedule", "cron", '"0 9 * * *"', "health", '"/healthz"',
    "check_memory", "cors", "methods", "env", "secret", "target", '"cloudflare"', "shared", "type", "T", "String",
    "middleware", "on_error", "X.new", "print", "int", "len", "range", "break", "continue", "{ a: 1 }", "//c\n",
    "/*", "*/", '"', "'", "\\", "{x}", "@", "#", "0x1F", "1e3", "1_000",
    "++", "..", "..=", "->", "is", "Int", "not in", "[1:2]", "[::-1]", "for x in", "|> .m()", "_", "security",
    "auth", "jwt", "role", "Admin", "protect", "require", "sensitive", "T.a", "\0", '"""', "?", "loop", "let",
]
SETTINGS = settings(max_examples=int(__import__("os").environ.get("TOVA_FUZZ_EXAMPLES", "250")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compile_text(text: str) -> None:
    try:
        compile_source(Source(text, "fuzz.tova"), Path("/nonexistent-out"), "fuzz")
    except CompileError as error:
        assert error.diagnostics, "a CompileError must carry at least one diagnostic"
        for diagnostic in error.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.col >= 1
            assert diagnostic.message
        assert error.render()


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join))
def test_random_token_soup(text):
    compile_text(text)


@SETTINGS
@given(st.text(max_size=200))
def test_random_characters(text):
    compile_text(text)


@st.composite
def mutated_seed(draw):
    text = SEED_TEXT
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["delete", "insert", "duplicate_line", "swap_lines"]))
        if action == "delete":
            start = draw(st.integers(0, len(text) - 1))
            text = text[:start] + text[start + draw(st.integers(1, 40)) :]
        elif action == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if action == "duplicate_line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@SETTINGS
@given(mutated_seed())
def test_mutated_seed(text):
    compile_text(text)


def test_deep_nesting_is_a_diagnostic():
    compile_text("fn f() {\n  " + "(" * 3000 + "1" + ")" * 3000 + "\n}\nedge {\n}\n")
