"""What the compiler does not translate it refuses by name, at the place it is written: constructs of
other languages and of upstream Tova outside this subset, and malformed files (binary, NUL bytes, not
UTF-8, nested past any reasonable depth, a 1 MB line)."""

from __future__ import annotations

import pytest

from compiler.diagnostics import CompileError
from compiler.driver import build

EDGE = '\nedge "api" {\n  route GET "/x" => fn(req) { 1 }\n}\n'

# name -> (program, line, col, words the first message must contain)
REFUSED = {
    "x++": ("fn f() {\n  var x = 1\n  x++\n  x\n}" + EDGE, 3, 4, "`x++` is JavaScript: expected `x += 1`"),
    "++x": ("fn f() {\n  var x = 1\n  y = ++x\n}" + EDGE, 3, 7, "`++x` is JavaScript"),
    "++ before a closing paren": ("fn f(x) {\n  g(x++)\n}" + EDGE, 2, 6, "`x++` is JavaScript"),
    "let": ("fn f() {\n  let x = 1\n}" + EDGE, 2, 3, "`let` is JavaScript: expected `x = value`"),
    "loop": ("fn f() {\n  loop {\n    1\n  }\n}" + EDGE, 2, 3, "`loop { }` is not supported: expected `while true"),
    "import": ('import { a } from "b"' + EDGE, 1, 1, "`import` is not supported"),
    "pub fn": ("pub fn f() {\n  1\n}" + EDGE, 1, 1, "`pub` (exports) is not supported"),
    "yield": ("fn f() {\n  yield 1\n}" + EDGE, 2, 3, "generators (`yield`) are not supported"),
    "defer": ("fn f() {\n  defer {\n    1\n  }\n}" + EDGE, 2, 3, "`defer` is not supported"),
    "guard": ("fn f(x) {\n  guard x else {\n    1\n  }\n}" + EDGE, 2, 3, "`guard ... else { }` is not supported"),
    "impl": ("impl Foo {\n  1\n}" + EDGE, 1, 1, "`impl` blocks are not supported"),
    "a decorator": ("@cached\nfn f() {\n  1\n}" + EDGE, 1, 1, "decorators (`@name`) are not supported"),
    "error propagation": ("fn f(x) {\n  y = g(x)?\n}" + EDGE, 2, 11, "`?` error propagation is not supported"),
    "a regex literal": ("fn f(s) {\n  s.match(/a+/)\n}" + EDGE, 2, 11, "regular expression literals `/.../` are not supported"),
    "a triple-quoted string": ('fn f() {\n  """\n  text\n  """\n}' + EDGE, 2, 3, "triple-quoted strings are not supported"),
    "a raw string": ('fn f() {\n  r"a\\d"\n}' + EDGE, 2, 3, '`r"..."` strings are not supported'),
    "a tuple": ("fn f() {\n  t = (1, 2)\n}" + EDGE, 2, 9, "tuples are not supported: expected a list `[a, b]`"),
    "a labeled loop": ("fn f() {\n  outer: for x in [1] {\n    1\n  }\n}" + EDGE, 2, 3, "labeled loops (`outer: for`) are not supported"),
    "a server block": ("server {\n  1\n}" + EDGE, 1, 1, "`server` blocks are not supported"),
    "an object comprehension": ("fn f(xs) {\n  { x: 1 for x in xs }\n}" + EDGE, 2, 10, "object comprehensions are not supported"),
    "is with an unknown type": ("fn f(x) {\n  x is Foo\n}" + EDGE, 2, 8, "expected a type after `is`"),
    "in chained without parentheses": ("fn f(x) {\n  x in [1] in [true]\n}" + EDGE, 2, 12, "`in` after `in` needs parentheses"),
    "a range of a range": ("fn f() {\n  0..1..2\n}" + EDGE, 2, 7, "`..` after `..` needs parentheses"),
    "two placeholders in one piped call": ("fn f(x) {\n  x |> g(_, _)\n}" + EDGE, 2, 13, "expected one `_` placeholder"),
    "a list pattern in match": ("fn f(x) {\n  match x {\n    [a, b] => a\n    _ => 0\n  }\n}" + EDGE, 3, 5, "list, object and type patterns in `match` are not supported"),
    "the older security syntax": ('security {\n  auth: "jwt"\n}' + EDGE, 2, 3, "the older security syntax"),
    "a rate limit": ("security {\n  rate_limit { max: 10, window: 60 }\n}" + EDGE, 2, 3, "`rate_limit` in `security`: rate limiting is not built on edge"),
    "api key auth": ('security {\n  auth api_key { header: "X-API-Key" }\n}' + EDGE, 2, 8, "`auth api_key` is not built on edge"),
    "a JWT secret in the source": ('security {\n  auth jwt { secret: "hunter2" }\n}' + EDGE, 2, 22, "expected `env(\"NAME\")`"),
    "protect without auth": ('security {\n  role Admin { can: [x] }\n  protect "/a/*" { require: Admin }\n}' + EDGE, 1, 1, "`protect` and `sensitive` need to know who is asking"),
    "an unknown role": ('security {\n  auth jwt { secret: env("S") }\n  protect "/a/*" { require: Admin }\n}' + EDGE, 3, 29, "unknown role `Admin`"),
    "a sensitive field that does not exist": ('type User {\n  name: String\n}\nsecurity {\n  auth jwt { secret: env("S") }\n  sensitive User.email { never_expose: true }\n}' + EDGE, 6, 13, "type `User` has no field `email`"),
    "a deno target": ('edge "api" {\n  target: "deno"\n}\n', 2, 3, 'unknown target "deno"'),
    "a block-level value that reads a binding": ('edge "api" {\n  kv CACHE\n  handle = CACHE\n  route GET "/" => fn(req) { 1 }\n}\n', 3, 12, "computed when the worker starts, before `CACHE` is bound"),
    "an edge-level constant reassigned in a route": ('edge "api" {\n  events = []\n  route POST "/clear" => fn(req) {\n    events = []\n  }\n}\n', 4, 5, "cannot reassign `events`: it is immutable (bound at 2:3)"),
}


def compile_errors(tmp_path, text: str | bytes) -> CompileError:
    path = tmp_path / "bad.tova"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CompileError) as caught:
        build(path, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "a failed build must not write output"
    return caught.value


@pytest.mark.parametrize("name", list(REFUSED))
def test_construct_outside_the_subset_is_refused_by_name(tmp_path, name):
    program, line, col, words = REFUSED[name]
    first = compile_errors(tmp_path, program).diagnostics[0]
    assert (first.line, first.col) == (line, col), first.render()
    assert words in first.message, first.render()


def test_invalid_utf8_names_the_first_bad_byte(tmp_path):
    error = compile_errors(tmp_path, b'edge "api" {\n  route GET "/x" => fn(req) { "caf\xe9" }\n}\n')
    [diagnostic] = error.diagnostics
    assert (diagnostic.line, diagnostic.col) == (2, 35)
    assert "byte 0xe9 is not UTF-8 text" in diagnostic.message
    assert "bad.tova:2:35" in error.render()


def test_a_binary_file_is_reported_as_one(tmp_path):
    error = compile_errors(tmp_path, bytes(range(256)) * 4)
    [diagnostic] = error.diagnostics
    assert (diagnostic.line, diagnostic.col) == (1, 1)
    assert "NUL byte" in diagnostic.message


def test_a_nul_byte_says_so_where_it_is(tmp_path):
    error = compile_errors(tmp_path, 'edge "api" {\n  route GET "/x" => fn(req) {\n    ab\0c\n  }\n}\n')
    [diagnostic] = error.diagnostics
    assert (diagnostic.line, diagnostic.col) == (3, 7)
    assert "NUL byte" in diagnostic.message and "unclosed" not in error.render()


def test_nesting_too_deep_points_at_the_deepest_place(tmp_path):
    error = compile_errors(tmp_path, "fn f() {\n  x = 1\n  y = " + "[" * 3000 + "]" * 3000 + "\n}" + EDGE)
    first = error.diagnostics[0]
    assert "nests too deeply here" in first.message
    assert first.line == 3 and first.col > 900, first.render()


def test_a_long_line_is_shown_as_a_window_around_the_caret(tmp_path):
    filler = "a" * 1_000_000
    error = compile_errors(tmp_path, 'edge "api" {\n  route GET "/x" => fn(req) { x = "' + filler + '" + }\n}\n')
    text = error.render()
    shown, caret = text.splitlines()[1:3]
    assert len(shown) < 200 and shown.rstrip().endswith("+ }") and "…" in shown
    assert caret.index("^") == shown.index("}"), text


def test_cors_max_age_is_checked(tmp_path):
    error = compile_errors(tmp_path, 'edge "api" {\n  cors { max_age: 999999 }\n  route GET "/x" => fn(req) { 1 }\n}\n')
    assert "cors `max_age`: expected a whole number of seconds from 0 to 86400" in error.diagnostics[0].message
