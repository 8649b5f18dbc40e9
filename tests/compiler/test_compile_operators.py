"""The operators and constructs of upstream Tova's docs/reference/operators.md, compiled and run in
node: each must compute what the docs say, or fail loudly, never quietly mean something else."""

from __future__ import annotations

import pytest

from tova_testkit import run_snippets

CASES = {
    "++ joins strings": ('fn main() {\n  a = "ab"\n  a ++ "cd" ++ "e"\n}', "abcde"),
    "++ builds a string in a loop": ('fn main() {\n  chars = "xyz"\n  var code = ""\n  for i in range(3) {\n    code = code ++ chars[i]\n  }\n  code\n}', "xyz"),
    "++ joins lists": ("fn main() {\n  [1] ++ [2, 3]\n}", [1, 2, 3]),
    "++ refuses numbers at run time": ('fn main() {\n  try {\n    n = 1\n    n ++ "a"\n  } catch e {\n    e.message\n  }\n}', "`++` joins two strings or two lists, not Int and String"),
    "prefix match binds the rest": ('fn route(p) {\n  match p {\n    "/api/" ++ rest => "api:{rest}"\n    "/static/" ++ _ => "static"\n    _ => "other"\n  }\n}\nfn main() {\n  [route("/api/users"), route("/static/a.css"), route("/x"), route(7)]\n}', ["api:users", "static", "other", "other"]),
    "prefix match with a guard": ('fn main() {\n  match "v2/items" {\n    "v" ++ rest if rest.startsWith("1") => "one"\n    "v" ++ rest => rest\n    _ => "none"\n  }\n}', "2/items"),
    "exclusive and inclusive ranges": ("fn main() {\n  [0..5, 1..=3, 5..0, len(0..=0)]\n}", [[0, 1, 2, 3, 4], [1, 2, 3], [], 1]),
    "for over a range": ("fn main() {\n  var total = 0\n  for i in 1..=10 {\n    total += i\n  }\n  total\n}", 55),
    "range bounds are arithmetic": ("fn main() {\n  n = 2\n  0..n + 1\n}", [0, 1, 2]),
    "in and not in": ('fn main() {\n  [2 in [1, 2], 5 in [1, 2], "ell" in "hello", "a" in { a: 1 }, 3 not in [1, 2], not 1 in [1]]\n}', [True, False, True, True, True, False]),
    "is and is not": ('fn main() {\n  [1 is Int, 1.5 is Float, 1.5 is Number, "a" is String, nil is Nil, [1] is List, [1] is Array, {} is Object, main is Function, 1 is not String, nil is not Nil]\n}', [True, True, True, True, True, True, True, True, True, True, False]),
    "chained comparisons": ("fn main() {\n  x = 5\n  [0 <= x < 10, 0 <= x < 5, 1 < 2 < 3 < 4, 3 > 2 > 2]\n}", [True, False, True, False]),
    "a chained comparison evaluates each operand once and stops early": ("fn main() {\n  var calls = []\n  f = fn(v) {\n    calls.push(v)\n    v\n  }\n  a = 1 < f(5) < 3\n  b = 9 < f(1) < f(2)\n  [a, b, calls]\n}", [False, False, [5, 1]]),
    "slices of lists": ("fn main() {\n  xs = [0, 1, 2, 3, 4, 5]\n  [xs[1:3], xs[:2], xs[4:], xs[::2], xs[1::2], xs[-2:], xs[::-1], xs[:-4], xs[10:], xs[5:1:-2]]\n}", [[1, 2], [0, 1], [4, 5], [0, 2, 4], [1, 3, 5], [4, 5], [5, 4, 3, 2, 1, 0], [0, 1], [], [5, 3]]),
    "slices of strings": ('fn main() {\n  s = "héllo"\n  [s[1:3], s[::-1], s[-1:]]\n}', ["él", "olléh", "o"]),
    "indexing and slicing a parenthesised expression": ('fn main() {\n  a = "ab"\n  [(a ++ "cd")[2], (a ++ "cd")[1:3], ([1] ++ [2])[-1:]]\n}', ["c", "bc", [2]]),
    "pipe placeholder": ("fn add(a, b) {\n  a * 10 + b\n}\nfn main() {\n  [5 |> add(_, 1), 5 |> add(1, _), 5 |> add(2)]\n}", [51, 15, 52]),
    "method pipe": ('fn main() {\n  [3, -1, 2]\n    |> .filter(fn(x) x > 0)\n    |> .map(fn(x) x * 2)\n    |> .join(", ")\n}', "6, 4"),
    "method pipe with a Tova string method": ('fn main() {\n  "abc" |> .upper()\n}', "ABC"),
    "list comprehension": ("fn main() {\n  [x * x for x in 1..=5 if x % 2 == 1]\n}", [1, 9, 25]),
    "comprehension with index and value": ('fn main() {\n  ["{i}{v}" for i, v in ["a", "b"]]\n}', ["0a", "1b"]),
    "nested comprehensions": ("fn main() {\n  [[i * j for j in 1..=2] for i in 1..=2]\n}", [[1, 2], [2, 4]]),
    "comprehension with await": ("fn main() {\n  [await Promise.resolve(x) for x in [1, 2]]\n}", [1, 2]),
    "string repetition": ('fn main() {\n  w = 3\n  ["-" * 3, 2 * "ab", "x" * w, "a" * 0]\n}', ["---", "abab", "xxx", ""]),
    "multiplication stays multiplication": ("fn main() {\n  a = 6\n  b = 7\n  [a * b, 2 * 3 * 4, a * 0.5]\n}", [42, 24, 3]),
    "string times a fraction is an error": ('fn main() {\n  try {\n    "a" * 1.5\n  } catch e {\n    e.name\n  }\n}', "RangeError"),
    "unary minus binds tighter than **": ("fn main() {\n  [-2 ** 2, -2 ** 3, 2 ** -1]\n}", [4, -8, 0.5]),
    "string methods the docs call": ('fn main() {\n  s = "  Hello World  "\n  t = s.trim()\n  [t.upper(), t.lower(), t.starts_with("He"), t.ends_with("ld"), t.contains("lo W"), "ab".chars(), "a b  c".words(), "hello".capitalize(), "hello world".title_case(), "helloWorld".snake_case(), "hello_world".camel_case(), "x\\ny".lines()]\n}', ["HELLO WORLD", "hello world", True, True, True, ["a", "b"], ["a", "b", "c"], "Hello", "Hello World", "hello_world", "helloWorld", ["x", "y"]]),
    "a Tova method name on an object uses the object's own method": ("fn main() {\n  box = { contains: fn(x) x == 3 }\n  [box.contains(3), [1, 2].contains(2)]\n}", [True, True]),
    "a Tova method on a value without it fails clearly": ("fn main() {\n  try {\n    n = 5\n    n.upper()\n  } catch e {\n    e.message\n  }\n}", "Int has no method upper()"),
    "stdlib helpers": ('fn main() {\n  xs = [3, 1, 4, 1, 5]\n  [find(xs, fn(x) x > 3), find_index(xs, fn(x) x == 4), any(xs, fn(x) x > 4), all(xs, fn(x) x > 0), first(xs), last(xs), take(xs, 2), drop(xs, 3), unique(xs), zip([1, 2], ["a", "b"]), chunk(xs, 2), replace("a-b-c", "-", "+"), count(xs, fn(x) x == 1), flatten([[1], [2, 3]]), partition(xs, fn(x) x > 2), group_by(["aa", "b", "cc"], fn(s) len(s)), starts_with("abc", "ab"), pad_start("7", 3, "0"), clamp(15, 0, 10), merge({ a: 1 }, { b: 2 })]\n}', [4, 2, True, True, 3, 5, [3, 1], [1, 5], [3, 1, 4, 5], [[1, "a"], [2, "b"]], [[3, 1], [4, 1], [5]], "a+b+c", 2, [1, 2, 3], [[3, 4, 5], [1, 1]], {"1": ["b"], "2": ["aa", "cc"]}, True, "007", 10, {"a": 1, "b": 2}]),
    "find in a pipe": ('fn main() {\n  parts = "t=1,v1=abc".split(",")\n  [parts |> find(fn(p) p.startsWith("v1=")), parts |> find(fn(p) p == "z")]\n}', ["v1=abc", None]),
    "return type annotations": ("fn f(x: Int) -> String {\n  \"n{x}\"\n}\nfn g() -> [Int] {\n  [1]\n}\nfn main() -> Bool {\n  f(1) == \"n1\" and len(g()) == 1\n}", True),
    "opening braces on the next line": ("fn f(x)\n{\n  if x > 1\n  {\n    \"big\"\n  }\n  else\n  {\n    \"small\"\n  }\n}\nfn main()\n{\n  [f(2), f(0)]\n}", ["big", "small"]),
    "several statements on one line": ("fn main() {\n  a = 1; b = 2; var c = a + b; c += 1\n  c\n}", 4),
    "a long flat sum": ("fn main() {\n  " + " + ".join(["1"] * 2000) + "\n}", 2000),
    "deeply nested lists": ("fn main() {\n  x = " + "[" * 500 + "7" + "]" * 500 + "\n  var depth = 0\n  var v = x\n  while v is List {\n    depth += 1\n    v = v[0]\n  }\n  [depth, v]\n}", [500, 7]),
    "a long concatenation": ("fn main() {\n  len(" + " ++ ".join(['"ab"'] * 1500) + ")\n}", 3000),
}


@pytest.fixture(scope="module")
def results(node):
    return run_snippets(node, {name: source for name, (source, _) in CASES.items()})


@pytest.mark.parametrize("name", list(CASES))
def test_operator_computes_what_the_docs_say(results, name):
    outcome = results[name]
    assert "error" not in outcome, outcome.get("error")
    assert outcome.get("value") == CASES[name][1]
