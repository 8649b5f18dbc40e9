"""Each construct of the language subset, compiled and executed by node, checked by the value it
produces (all cases share one node process: they are compiled separately and run in their own scope)."""

from __future__ import annotations

import pytest

from tova_testkit import run_snippets

# name -> (Tova source defining `fn main()`, the JSON value `await main()` must produce)
CASES = {
    "immutable bindings and arithmetic": ("fn main() {\n  x = 2\n  y = x * 3 + 1\n  y - 10 % 4 + 2 ** 3\n}", 13),
    "var, reassignment and +=": ("fn main() {\n  var n = 0\n  for i in range(5) {\n    n += i\n  }\n  n = n * 2\n  n\n}", 20),
    "object destructuring": ("fn main() {\n  { a, b: renamed } = { a: 1, b: 2 }\n  [a, renamed]\n}", [1, 2]),
    "array destructuring with rest": ("fn main() {\n  [first, _, ...rest] = [1, 2, 3, 4]\n  { first, rest }\n}", {"first": 1, "rest": [3, 4]}),
    "var destructuring": ("fn main() {\n  var [a, b] = [1, 2]\n  a = b + 10\n  a\n}", 12),
    "named fn and lambda": ("fn double(x) {\n  x * 2\n}\nfn main() {\n  triple = fn(x) x * 3\n  double(triple(2))\n}", 12),
    "lambda with block body": ("fn main() {\n  f = fn(a, b) {\n    s = a + b\n    s * 10\n  }\n  f(1, 2)\n}", 30),
    "default and rest params": ("fn f(a, b = 5, ...more) {\n  [a, b, len(more)]\n}\nfn main() {\n  [f(1), f(1, 2, 3, 4)]\n}", [[1, 5, 0], [1, 2, 2]]),
    "async fn and await": ("async fn slow(x) {\n  await Promise.resolve(x + 1)\n}\nfn main() {\n  v = await slow(1)\n  v * 10\n}", 20),
    "fn with await is async": ("fn later() {\n  await Promise.resolve(7)\n}\nfn main() {\n  p = later()\n  [type_of(p.then), await p]\n}", None),
    "async lambda": ("fn main() {\n  f = async fn(x) x + 1\n  await f(1)\n}", 2),
    "early return": ("fn size(x) {\n  if x > 10 {\n    return \"big\"\n  }\n  \"small\"\n}\nfn main() {\n  [size(20), size(1)]\n}", ["big", "small"]),
    "if elif else as tail": ("fn grade(n) {\n  if n >= 90 {\n    \"A\"\n  } elif n >= 80 {\n    \"B\"\n  } else {\n    \"C\"\n  }\n}\nfn main() {\n  [grade(95), grade(85), grade(10)]\n}", ["A", "B", "C"]),
    "if as an expression": ("fn main() {\n  x = 3\n  label = if x > 2 { \"many\" } else { \"few\" }\n  none = if x > 5 { 1 }\n  [label, none == nil]\n}", ["many", True]),
    "if expression with statements": ("fn main() {\n  v = if true {\n    a = 2\n    a * 21\n  } else {\n    0\n  }\n  v\n}", 42),
    "if expression with await": ("fn main() {\n  v = if true {\n    a = await Promise.resolve(2)\n    a + 1\n  } else {\n    0\n  }\n  v\n}", 3),
    "else on the next line": ("fn main() {\n  if false {\n    1\n  }\n  else {\n    2\n  }\n}", 2),
    "for with index": ("fn main() {\n  var out = []\n  for i, x in [\"a\", \"b\"] {\n    out.push(\"{i}{x}\")\n  }\n  out\n}", ["0a", "1b"]),
    "for over object entries": ("fn main() {\n  var out = []\n  for k, v in { a: 1, b: 2 } {\n    out.push(k + str(v))\n  }\n  out\n}", ["a1", "b2"]),
    "for with destructuring": ("fn main() {\n  var total = 0\n  for { n } in [{ n: 1 }, { n: 2 }] {\n    total += n\n  }\n  total\n}", 3),
    "while, break, continue": ("fn main() {\n  var i = 0\n  var odd = []\n  while true {\n    i += 1\n    if i > 7 {\n      break\n    }\n    if i % 2 == 0 {\n      continue\n    }\n    odd.push(i)\n  }\n  odd\n}", [1, 3, 5, 7]),
    "try catch finally": ("fn main() {\n  var log = []\n  try {\n    throw Error.new(\"boom\")\n  } catch err {\n    log.push(err.message)\n  } finally {\n    log.push(\"done\")\n  }\n  log\n}", ["boom", "done"]),
    "try as tail value": ("fn risky(x) {\n  if x { throw \"bad\" }\n  \"fine\"\n}\nfn guarded(x) {\n  try {\n    risky(x)\n  } catch (e) {\n    \"caught {e}\"\n  }\n}\nfn main() {\n  [guarded(false), guarded(true)]\n}", ["fine", "caught bad"]),
    "catch without a name": ("fn main() {\n  try {\n    JSON.parse('{')\n  } catch {\n    \"invalid\"\n  }\n}", "invalid"),
    "match literals and wildcard": ("fn name(n) {\n  match n {\n    0 => \"zero\"\n    1 | 2 => \"small\"\n    -1 => \"minus one\"\n    \"x\" => \"letter\"\n    nil => \"nothing\"\n    true => \"yes\"\n    _ => \"many\"\n  }\n}\nfn main() {\n  [name(0), name(2), name(-1), name(\"x\"), name(nil), name(true), name(9)]\n}", ["zero", "small", "minus one", "letter", "nothing", "yes", "many"]),
    "match binding and guard": ("fn kind(n) {\n  match n {\n    x if x < 0 => \"negative {x}\"\n    0 => \"zero\"\n    other => \"positive {other}\"\n  }\n}\nfn main() {\n  [kind(-3), kind(0), kind(4)]\n}", ["negative -3", "zero", "positive 4"]),
    "match as an expression": ("fn main() {\n  code = 404\n  text = match code {\n    200 => \"ok\",\n    404 => { \"not found\" },\n    _ => \"other\"\n  }\n  obj = match 1 { 1 => { a: 1 }, _ => { a: 2 } }\n  [text, obj]\n}", ["not found", {"a": 1}]),
    "break and return from a match statement": ("fn first_big(xs) {\n  for x in xs {\n    match x > 2 {\n      true => { return x }\n      _ => { continue }\n    }\n  }\n  nil\n}\nfn main() {\n  var seen = []\n  for x in [1, 2, 3, 4] {\n    match x {\n      3 => { break }\n      _ => { seen.push(x) }\n    }\n  }\n  [first_big([1, 5, 7]), seen]\n}", [5, [1, 2]]),
    "match statement with effects": ("fn main() {\n  var seen = \"\"\n  match 2 {\n    1 => { seen = \"one\" }\n    2 => { seen = \"two\" }\n    _ => { seen = \"other\" }\n  }\n  seen\n}", "two"),
    "pipes": ("fn double(x) {\n  x * 2\n}\nfn add(x, y) {\n  x + y\n}\nfn main() {\n  a = [1, 2, 3] |> map(fn(x) x * 2) |> sum()\n  b = 5 |> double |> add(1)\n  c = [3, 1, 2]\n    |> sorted()\n    |> join(\",\")\n  [a, b, c]\n}", [12, 11, "1,2,3"]),
    "string interpolation": ("fn main() {\n  name = \"Ada\"\n  obj = { n: 2 }\n  \"hi {name}, {obj.n + 1} and {\"in\" + \"ner\"} \\{literal\\} {len([1, 2])}\"\n}", "hi Ada, 3 and inner {literal} 2"),
    "interpolation reads values as str() does": ("fn main() {\n  o = { a: 1 }\n  \"{nil} {[1, 2]} {o} {{ b: 2 }.b} {true} {1.5}\"\n}", "nil [1,2] {\"a\":1} 2 true 1.5"),
    "single-quoted strings do not interpolate": ("fn main() {\n  'a {b} c'\n}", "a {b} c"),
    "escapes": ("fn main() {\n  \"tab\\tnew\\nquote\\\" back\\\\ tick` dollar$\\{x}\"\n}", "tab\tnew\nquote\" back\\ tick` dollar${x}"),
    "numbers with leading zeros, underscores, hex and exponents": ("fn main() {\n  [007, 1_000, 0xff, 1.5e3, 2.50, -0.5]\n}", [7, 1000, 255, 1500.0, 2.5, -0.5]),
    "control characters in interpolated strings": ("fn main() {\n  x = 1\n  s = \"a\\rb\\u00e9{x}\\t`\"\n  [len(s), s]\n}", [7, "a\rb\u00e91\t`"]),
    "arrays and objects": ("fn main() {\n  a = 1\n  key = \"dyn\"\n  base = { x: 1, y: 2 }\n  obj = { a, ...base, y: 3, [key]: true, \"quoted-key\": 4 }\n  list = [0, ...[1, 2], 3]\n  [obj, list, list[1], obj[\"quoted-key\"]]\n}", [{"a": 1, "x": 1, "y": 3, "dyn": True, "quoted-key": 4}, [0, 1, 2, 3], 1, 4]),
    "multi-line object literal": ("fn main() {\n  o = {\n    a: 1,\n    b: [\n      2,\n      3\n    ]\n    c: { d: 4 }\n  }\n  o.c.d + o.b[1]\n}", 7),
    "optional access and ??": ("fn main() {\n  o = { a: { b: 1 } }\n  xs = nil\n  [o?.a?.b, o.missing?.b ?? \"none\", xs?.[0] ?? \"empty\", 0 ?? 5, nil ?? 5]\n}", [1, "none", "empty", 0, 5]),
    "logic words and symbols": ("fn main() {\n  t = true\n  f = false\n  [t and f, t or f, not t, t && !f, f || t, not (t and f)]\n}", [False, True, False, True, True, True]),
    "comparisons": ("fn main() {\n  [1 < 2, 2 <= 2, 3 > 4, 4 >= 4, 1 == 1, 1 != 2, \"1\" == 1]\n}", [True, True, False, True, True, True, False]),
    "nil equality covers null and undefined": ("fn main() {\n  o = {}\n  [o.missing == nil, nil == nil, 0 == nil, \"\" != nil, o.missing != nil, JSON.parse(\"null\") == nil]\n}", [True, True, False, True, False, True]),
    "unary minus and precedence": ("fn main() {\n  x = 3\n  [-x, -x + 1, -(x + 1), 2 + 3 * 4, (2 + 3) * 4, 2 ** 3 ** 2, -2 ** 2]\n}", [-3, -2, -4, 14, 20, 512, 4]),
    "X.new is new X": ("fn main() {\n  d = Date.new(0)\n  u = URL.new(\"https://a.example/p?q=1\")\n  m = Map.new([[\"k\", 2]])\n  [d.toISOString(), u.searchParams.get(\"q\"), m.get(\"k\")]\n}", ["1970-01-01T00:00:00.000Z", "1", 2]),
    "type constructors are plain objects": ("shared {\n  type Point {\n    x: Int\n    y: Int\n  }\n}\nfn main() {\n  p = Point(1, 2)\n  [p, JSON.stringify(p), Object.getPrototypeOf(p) == Object.prototype]\n}", [{"x": 1, "y": 2}, "{\"x\":1,\"y\":2}", True]),
    "top-level type outside shared": ("type Pair {\n  left: String\n  right: [Int]\n}\nfn main() {\n  Pair(\"a\", [1])\n}", {"left": "a", "right": [1]}),
    "builtin int and float": ("fn main() {\n  [int(\"42\"), to_int(3.9), int(\"x\"), int(\"-7\"), float(\"2.5\"), float(\"nope\"), int(true)]\n}", [42, 3, None, -7, 2.5, None, 1]),
    "builtin str and len": ("fn main() {\n  [str(nil), str(12), str([1, \"a\"]), str({ a: 1 }), len(\"abc\"), len([1, 2]), len({ a: 1 }), len(nil)]\n}", ["nil", "12", "[1,\"a\"]", "{\"a\":1}", 3, 2, 1, 0]),
    "builtin range": ("fn main() {\n  [range(3), range(1, 7, 2), range(5, 0, -2), range(0)]\n}", [[0, 1, 2], [1, 3, 5], [5, 3, 1], []]),
    "other builtins": ("fn main() {\n  [keys({ a: 1 }), values({ a: 1 }), filter([1, 2, 3], fn(x) x > 1), min([3, 1]), max(3, 9), abs(-2), round(2.567, 2), upper(\"a\"), contains([1, 2], 2), reversed([1, 2]), type_of(1.5), split(\"a,b\", \",\")]\n}", [["a"], [1], [2, 3], 1, 9, 2, 2.57, "A", True, [2, 1], "Float", ["a", "b"]]),
    "print writes to the log": ("fn main() {\n  var lines = []\n  saved = console.log\n  console.log = fn(...args) lines.push(args.join(\" \"))\n  print(\"hello {1 + 1}\", { a: 1 }, nil)\n  console.log = saved\n  lines\n}", ["hello 2 {\"a\":1} nil"]),
    "a var updated in a nested block is the same variable": ("fn main() {\n  var x = 1\n  var seen = 0\n  if true {\n    x = x + 1\n    seen = x\n  }\n  [x, seen]\n}", [2, 2]),
    "a var built up in a loop keeps every step": ("fn main() {\n  var code = \"\"\n  for i in range(3) {\n    code = code ++ \"a\"\n  }\n  code\n}", "aaa"),
    "a loop variable may reuse an outer name": ("fn main() {\n  x = 10\n  var total = 0\n  for x in [1, 2] {\n    total += x\n  }\n  [x, total]\n}", [10, 3]),
    "closures see var updates": ("fn counter() {\n  var n = 0\n  fn() {\n    n += 1\n    n\n  }\n}\nfn main() {\n  c = counter()\n  c()\n  c()\n  c()\n}", 3),
    "names that are JavaScript keywords": ("fn main() {\n  new = 1\n  class = 2\n  default = 3\n  delete = fn(x) x\n  [new + class + default, delete(4)]\n}", [6, 4]),
    "member assignment and index assignment": ("fn main() {\n  o = { a: 1 }\n  o.a = 5\n  o.b = o.a + 1\n  xs = [1, 2]\n  xs[0] = 9\n  o.a += 1\n  [o, xs]\n}", [{"a": 6, "b": 6}, [9, 2]]),
    "method chains across lines": ("fn main() {\n  \" a b \"\n    .trim()\n    .split(\" \")\n    .map(fn(s) s.toUpperCase())\n}", ["A", "B"]),
    "top-level constants": ("LIMIT = 3\nNAMES = [\"a\", \"b\"]\nfn main() {\n  [LIMIT * 2, len(NAMES)]\n}", [6, 2]),
    "platform globals": ("fn main() {\n  id = crypto.randomUUID()\n  [len(id), Math.max(1, 2), JSON.stringify([1]), typeof_ok()]\n}\nfn typeof_ok() {\n  Response.new(\"x\").status\n}", [36, 2, "[1]", 200]),
    "recursion": ("fn fib(n) {\n  if n < 2 { n } else { fib(n - 1) + fib(n - 2) }\n}\nfn main() {\n  fib(15)\n}", 610),
    "mutual recursion through hoisting": ("fn is_even(n) {\n  if n == 0 { true } else { is_odd(n - 1) }\n}\nfn is_odd(n) {\n  if n == 0 { false } else { is_even(n - 1) }\n}\nfn main() {\n  [is_even(10), is_odd(7)]\n}", [True, True]),
    "throw from a nested fn reaches the caller": ("fn fail() {\n  throw { code: 7 }\n}\nfn main() {\n  try {\n    fail()\n    \"not reached\"\n  } catch e {\n    e.code\n  }\n}", 7),
}

CASES["fn with await is async"] = (CASES["fn with await is async"][0], ["Function", 7])


@pytest.fixture(scope="module")
def results(node):
    return run_snippets(node, {name: source for name, (source, _) in CASES.items()})


@pytest.mark.parametrize("name", list(CASES))
def test_construct_produces_the_expected_value(results, name):
    outcome = results[name]
    assert "error" not in outcome, outcome.get("error")
    assert outcome.get("value") == CASES[name][1]
