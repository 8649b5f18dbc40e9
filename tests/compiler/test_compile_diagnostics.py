"""Bad programs: each error names file:line:col, shows the line with a caret under the culprit, says
what was expected, and the CLI exits 1 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from compiler.diagnostics import CompileError
from compiler.driver import build
from tova_testkit import ROOT


@dataclass
class Bad:
    program: str
    errors: list[tuple[int, int, str]]  # (line, col, words the message must contain)
    caret: str | None = None  # the text the first caret underlines


BAD = {
    "unterminated string": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) {\n    "abc\n  }\n}\n',
        [(3, 5, 'unterminated string: expected a closing `"`')], '"abc',
    ),
    "unbalanced braces": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) {\n    1\n}\n',
        [(1, 12, "expected a matching `}` before the end of the file")], "{",
    ),
    "stray closing brace": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) { 1 }\n}\n}\n',
        [(4, 1, "unexpected `}`: no block is open here")], "}",
    ),
    "a pull consumer": Bad(
        'edge "api" {\n  queue TASKS\n  consume TASKS { type: "http_pull" } fn(messages) { 1 }\n}\n',
        [(3, 25, "an http_pull consumer is read over HTTP from outside Workers, and the local runtime cannot run one")],
        '"http_pull"',
    ),
    "two ai bindings": Bad(
        'edge "api" {\n  ai AI\n  ai MORE_AI\n}\n',
        [(3, 3, "a second `ai` binding: a worker has one Workers AI binding (`ai AI` is it)")], "ai MORE_AI",
    ),
    "ai binding with settings": Bad(
        'edge "api" {\n  ai AI { model: "x" }\n}\n',
        [(2, 11, "`ai AI` takes no settings: expected `ai AI` alone (the model is chosen per call, `AI.run(model, inputs)`)")], 'model: "x"',
    ),
    "else if": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) {\n    if req { 1 } else if 2 { 3 } else { 4 }\n  }\n}\n',
        [(3, 18, "expected `elif` for another condition, found `else if`")], "else if",
    ),
    "unknown binding kind": Bad(
        'edge "api" {\n  kvv METADATA\n}\n', [(2, 3, "unknown binding kind `kvv`: expected one of kv, sql, storage, queue")], "kvv",
    ),
    "cron out of range": Bad(
        'edge "api" {\n  schedule "x" cron("61 * * * *") { print(1) }\n}\n',
        [(2, 21, 'invalid cron expression "61 * * * *"')], '"61 * * * *"',
    ),
    "cron with three fields": Bad(
        'edge "api" {\n  schedule "x" cron("* * *") { print(1) }\n}\n', [(2, 21, "expected five fields")], '"* * *"',
    ),
    "route without handler": Bad(
        'edge "api" {\n  route GET "/x"\n}\n', [(2, 17, "expected `=>` and a handler after the route path")],
    ),
    "route with an empty handler": Bad(
        'edge "api" {\n  route GET "/x" =>\n}\n', [(2, 20, "expected a handler after `=>`")],
    ),
    "duplicate route": Bad(
        'edge "api" {\n  route GET "/a/:id" => fn(req) { 1 }\n  route GET "/a/:key" => fn(req) { 2 }\n}\n',
        [(3, 3, 'duplicate route GET "/a/:key": already defined at line 2')], 'route GET "/a/:key" => fn(req) { 2 }',
    ),
    "consume of an undeclared queue": Bad(
        'edge "api" {\n  consume JOBS fn(messages) { print(1) }\n}\n',
        [(2, 11, "consume of undeclared queue `JOBS`: expected a `queue JOBS` binding")], "JOBS",
    ),
    "unknown health check": Bad(
        'edge "api" {\n  health "/healthz" {\n    check_memroy\n  }\n}\n',
        [(3, 5, "unknown health check `check_memroy`: expected one of check_memory")], "check_memroy",
    ),
    "unknown identifier": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) {\n    foo + 1\n  }\n}\n', [(3, 5, "unknown identifier `foo`")], "foo",
    ),
    "reassigning an immutable": Bad(
        'fn f() {\n  x = 1\n  x = 2\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(3, 3, "cannot reassign `x`: it is immutable (bound at 2:3); expected `var x = ...`")], "x",
    ),
    "reassigning an immutable inside a loop": Bad(
        'fn f() {\n  x = 1\n  for i in range(3) {\n    x = x + 1\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3); expected `var x = ...`")], "x",
    ),
    "reassigning an immutable inside while": Bad(
        'fn f() {\n  x = 1\n  while false {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside if": Bad(
        'fn f() {\n  x = 1\n  if true {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside elif": Bad(
        'fn f() {\n  x = 1\n  if false { 1 } elif true {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside else": Bad(
        'fn f() {\n  x = 1\n  if false { 1 } else {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside a match arm": Bad(
        'fn f() {\n  x = 1\n  match 3 {\n    3 => { x = 2 }\n    _ => 0\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 12, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside try": Bad(
        'fn f() {\n  x = 1\n  try {\n    x = 2\n  } catch e {\n    0\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside catch": Bad(
        'fn f() {\n  x = 1\n  try {\n    0\n  } catch e {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(6, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside finally": Bad(
        'fn f() {\n  x = 1\n  try {\n    0\n  } finally {\n    x = 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(6, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "reassigning an immutable inside a lambda": Bad(
        'fn f() {\n  x = 1\n  g = fn() {\n    x = 2\n  }\n  g()\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot reassign `x`: it is immutable (bound at 2:3)")], "x",
    ),
    "updating an immutable with += in a nested block": Bad(
        'fn f() {\n  x = 1\n  if true {\n    x += 2\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 5, "cannot update `x` with `+=`: it is immutable (bound at 2:3)")], "x",
    ),
    "rebinding an immutable by destructuring in a nested block": Bad(
        'fn f() {\n  x = 1\n  if true {\n    [x, y] = [2, 3]\n  }\n  x\n}\nedge "api" {\n  route GET "/x" => fn(req) { f() }\n}\n',
        [(4, 6, "cannot bind `x` again by destructuring: it is immutable (bound at 2:3)")], "x",
    ),

    "unknown consumer setting": Bad(
        'edge "api" {\n  queue JOBS\n  consume JOBS { max_batch: 5 } fn(m) { 1 }\n}\n',
        [(3, 18, "unknown consumer setting `max_batch`: expected one of max_batch_size")],
    ),
    "consumer setting out of range": Bad(
        'edge "api" {\n  queue JOBS\n  consume JOBS { max_batch_size: 500 } fn(m) { 1 }\n}\n',
        [(3, 34, "`max_batch_size`: expected a whole number from 1 to 100")], "500",
    ),
    "type constructor arity": Bad(
        'shared {\n  type P {\n    a: Int\n    b: Int\n  }\n}\nedge "api" {\n  route GET "/x" => fn(req) { P(1) }\n}\n',
        [(8, 31, "`P` takes 2 arguments (a, b): expected 2, found 1")], "P(1)",
    ),
    "unknown binding config key": Bad(
        'edge "api" {\n  kv CACHE { bucket: "x" }\n}\n', [(2, 14, "unknown key `bucket` for `kv CACHE`: expected id")],
    ),
    "await outside a function": Bad(
        'X = await fetch("https://example.com")\nedge "api" {\n}\n', [(1, 5, "`await` outside a function")],
    ),
    "break outside a loop": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) { break }\n}\n', [(2, 31, "`break` outside a loop")], "break",
    ),
    "no edge block": Bad('fn f() { 1 }\n', [(1, 1, "expected at least one `edge")]),
    "unknown target": Bad('edge "api" {\n  target: "aws"\n}\n', [(2, 3, 'unknown target "aws": expected "cloudflare"')]),
    "lower-case method": Bad(
        'edge "api" {\n  route get "/y" => fn(req) { 1 }\n}\n', [(2, 9, "expected the HTTP method in capitals (`GET`)")], "get",
    ),
    "route path without slash": Bad(
        'edge "api" {\n  route GET "y" => fn(req) { 1 }\n}\n', [(2, 13, 'route path "y": expected a path starting with `/`')],
    ),
    "rest segment not last": Bad(
        'edge "api" {\n  route GET "/a/*rest/b" => fn(req) { 1 }\n}\n', [(2, 13, "must be the last segment")],
    ),
    "unterminated interpolation": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) { "a {req" }\n}\n', [(2, 34, "unterminated interpolation: expected `}`")],
    ),
    "unknown name inside interpolation": Bad(
        'edge "api" {\n  route GET "/x" => fn(req) { "a {nope} b" }\n}\n', [(2, 35, "unknown identifier `nope`")], "nope",
    ),
    "duplicate edge block": Bad(
        'edge "api" {\n}\nedge "api" {\n}\n', [(3, 1, 'edge block "api" is declared twice (first at line 1)')],
    ),
    "queue consumed twice": Bad(
        'edge "a" {\n  queue JOBS\n  consume JOBS fn(m) { 1 }\n}\nedge "b" {\n  consume JOBS fn(m) { 2 }\n}\n',
        [(6, 3, 'queue "jobs" already has a consumer in edge block "a"')],
    ),
    "reserved route prefix": Bad(
        'edge "api" {\n  route GET "/__tova/x" => fn(req) { 1 }\n}\n', [(2, 13, "reserved for the ops surface")],
    ),
    "top-level name shadows a platform global": Bad(
        'fn fetch(url) {\n  url\n}\nedge "api" {\n}\n', [(1, 1, "`fetch` is a platform global")],
    ),
    "handler name that is not a function": Bad(
        'LIMIT = 3\nedge "api" {\n  route GET "/x" => LIMIT\n}\n', [(3, 21, "`LIMIT` is not a function: expected the name of a `fn`")], "LIMIT",
    ),
    "unknown handler name": Bad(
        'edge "api" {\n  route GET "/x" => handle_x\n}\n', [(2, 21, "unknown identifier `handle_x`")], "handle_x",
    ),
    "binding used outside its block": Bad(
        'fn lookup(id) {\n  DB.prepare("x").bind(id)\n}\nedge "api" {\n  sql DB\n}\n', [(2, 3, "unknown identifier `DB`")], "DB",
    ),
    "unknown cors key": Bad(
        'edge "api" {\n  cors {\n    origin: ["*"]\n  }\n}\n', [(3, 5, "unknown cors key `origin`: expected one of origins")],
    ),
    "cors method that is not HTTP": Bad(
        'edge "api" {\n  cors {\n    methods: [GET, FETCH]\n  }\n}\n', [(3, 20, "cors methods: expected HTTP methods")], "FETCH",
    ),
    "let from JavaScript": Bad(
        'fn f() {\n  let x = 1\n  x\n}\nedge {\n}\n', [(2, 3, "`let` is JavaScript: expected `x = value` (immutable) or `var x = value`")], "let",
    ),
    "function from JavaScript": Bad(
        'function f() {\n  1\n}\nedge {\n}\n', [(1, 1, "`function` is JavaScript: expected `fn name(params) { ... }`")], "function",
    ),
    "triple equals": Bad(
        'fn f(a) {\n  a === 1\n}\nedge {\n}\n', [(2, 5, "`===` is JavaScript: expected `==`")], "===",
    ),
    "arrow function": Bad(
        'fn f(a) {\n  g = (x) => x + 1\n  g(a)\n}\nedge {\n}\n', [(2, 11, "expected the end of the statement")], "=>",
    ),
    "return inside an if used as a value": Bad(
        'fn f(c) {\n  x = if c {\n    return 1\n  } else {\n    2\n  }\n  x\n}\nedge {\n}\n',
        [(3, 5, "`return` inside an `if` or `match` used as a value")], "return 1",
    ),
    "break inside a match used as a value": Bad(
        'fn f(xs) {\n  for x in xs {\n    y = match x {\n      1 => { break }\n      _ => 2\n    }\n  }\n}\nedge {\n}\n',
        [(4, 14, "`break` inside an `if` or `match` used as a value: expected it directly inside `for` or `while`")], "break",
    ),
    "lone surrogate escape": Bad(
        'edge "api" {\n  route GET "/" => fn(req) { "a\\ud800b" }\n}\n', [(2, 32, "half of a surrogate pair")], "\\ud800",
    ),
    # several independent mistakes in one run
    "several parse errors": Bad(
        'edge "api" {\n  kvv A\n  route get "/y" => fn(req) { 1 }\n  bogus\n}\n',
        [(2, 3, "unknown binding kind `kvv`"), (3, 9, "HTTP method in capitals"), (4, 3, "expected an edge statement")],
    ),
    "several check errors": Bad(
        'edge "api" {\n  consume JOBS fn(m) { nope }\n  schedule "s" cron("x") { 1 }\n  health "/h" { check_cpu }\n}\n',
        [(2, 11, "undeclared queue `JOBS`"), (2, 24, "unknown identifier `nope`"), (3, 21, "invalid cron"), (4, 17, "unknown health check")],
    ),
}


def compile_errors(tmp_path, text: str) -> CompileError:
    path = tmp_path / "bad.tova"
    path.write_text(text)
    with pytest.raises(CompileError) as caught:
        build(path, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "a failed build must not write output"
    return caught.value


@pytest.mark.parametrize("case", BAD.values(), ids=list(BAD))
def test_bad_program_is_reported_where_it_is(tmp_path, case: Bad):
    error = compile_errors(tmp_path, case.program)
    found = [(d.line, d.col) for d in error.diagnostics]
    assert found == [(line, col) for line, col, _ in case.errors], error.render()
    for diagnostic, (_line, _col, words) in zip(error.diagnostics, case.errors):
        assert words in diagnostic.message
        assert "expected" in diagnostic.message
        assert diagnostic.severity == "error"
    rendered = error.render().splitlines()
    first = error.diagnostics[0]
    assert rendered[0].startswith(f"{first.file}:{first.line}:{first.col}: error: ")
    source_line = case.program.splitlines()[first.line - 1]
    assert rendered[1].endswith(f"| {source_line}")
    caret_line = rendered[2]
    caret_col = caret_line.index("^") - caret_line.index("|") - 2
    assert caret_col == first.col - 1
    if case.caret is not None:
        underlined = caret_line.count("^")
        assert source_line[first.col - 1 : first.col - 1 + underlined] == case.caret


# a sample through the real command line: exit code 1, the message on stderr, no traceback
CLI_CASES = ["unterminated string", "else if", "duplicate route", "unknown identifier", "several parse errors"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_reports_errors_and_exits_1(tmp_path, name):
    case = BAD[name]
    path = tmp_path / "bad.tova"
    path.write_text(case.program)
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "build", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for line, col, words in case.errors:
        assert f"bad.tova:{line}:{col}: error: " in result.stderr
        assert words in result.stderr
    assert f"{len(case.errors)} error" in result.stderr
    assert not (tmp_path / ".tova-out").exists()


def test_missing_file_is_a_clear_error_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "build", str(tmp_path / "nope.tova")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot read the program" in result.stderr and "nope.tova" in result.stderr


@pytest.mark.parametrize(
    "cron, valid",
    [
        ("0 9 * * *", True), ("*/15 * * * *", True), ("0 0 1,15 * 1-5", True), ("0 0 * * 7", True),
        ("0 12 * JAN MON", True), ("0 0 L * *", True), ("5-1 * * * *", None), ("61 * * * *", False),
        ("*/0 * * * *", False), ("0 24 * * *", False), ("0 0 0 * *", False), ("0 0 * 13 *", False),
        ("x * * * *", False), ("0 9 * * * *", False), ("", False),
    ],
)
def test_crons_are_checked_like_croniter_does(tmp_path, cron, valid):
    from croniter import croniter

    # the compiler's verdict is croniter's (on exactly five fields); the table pins the obvious cases
    expected = len(cron.split()) == 5 and croniter.is_valid(cron)
    assert valid is None or valid == expected
    valid = expected
    program = f'edge "api" {{\n  schedule "s" cron("{cron}") {{\n    print(1)\n  }}\n}}\n'
    path = tmp_path / "c.tova"
    path.write_text(program)
    if valid:
        build(path, tmp_path / "out")
    else:
        with pytest.raises(CompileError) as caught:
            build(path, tmp_path / "out")
        assert "invalid cron expression" in caught.value.diagnostics[0].message


def test_a_binding_used_outside_its_block_gets_a_hint(tmp_path):
    error = compile_errors(tmp_path, BAD["binding used outside its block"].program)
    assert error.diagnostics[0].hint == "`DB` is declared in an edge block and is visible only inside it: pass it in as an argument"
    assert "= hint: `DB` is declared in an edge block" in error.render()


def test_colour_only_on_request_and_the_plain_text_is_unchanged(tmp_path):
    error = compile_errors(tmp_path, BAD["else if"].program)
    plain = error.render()
    coloured = error.render(color=True)
    assert "\x1b[" not in plain and "\x1b[31m" in coloured
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_windows_line_endings_tabs_and_a_byte_order_mark(tmp_path):
    program = tmp_path / "crlf.tova"
    program.write_bytes(b"\xef\xbb\xbf" + 'edge "api" {\r\n\troute GET "/x" => fn(req) {\r\n\t\tnope\r\n\t}\r\n}\r\n'.encode())
    with pytest.raises(CompileError) as caught:
        build(program, tmp_path / "out")
    first = caught.value.diagnostics[0]
    assert (first.line, first.col) == (3, 3)
    lines = caught.value.render().splitlines()
    # the caret line keeps the source's tabs, so the caret sits under `nope` in any terminal
    assert lines[1].endswith("| \t\tnope")
    assert lines[2].split("| ", 1)[1] == "\t\t^^^^"
    program.write_bytes(program.read_bytes().replace(b"nope", b'"ok"'))
    assert build(program, tmp_path / "out").manifest["workers"][0]["routes"] == [{"method": "GET", "path": "/x"}]


def test_check_mode_reports_without_writing(tmp_path):
    good = tmp_path / "good.tova"
    good.write_text('edge "api" {\n  route GET "/" => fn(req) { "hi" }\n}\n')
    bad = tmp_path / "bad.tova"
    bad.write_text(BAD["unknown identifier"].program)
    ok = subprocess.run([sys.executable, "-m", "console.cli", "build", "--check", str(good)], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "no errors (1 worker: good-api)" in ok.stdout
    failed = subprocess.run([sys.executable, "-m", "console.cli", "build", "--check", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode == 1 and "bad.tova:3:5: error: unknown identifier `foo`" in failed.stderr
    assert not (tmp_path / ".tova-out").exists()
