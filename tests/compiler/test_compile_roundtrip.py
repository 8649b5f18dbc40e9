"""Whatever the compiler accepts must be JavaScript that parses, and random expressions must compute
what the language says they compute (checked against a Python model of the subset's semantics)."""

from __future__ import annotations

import json
import random

from compiler.diagnostics import CompileError
from compiler.driver import compile_source
from compiler.source import Source
from tova_testkit import SEED, run_node_module, run_snippets

SEED_TEXT = SEED.read_text()
PIECES = ["x", " ", "\n", "}", "{", "(", ")", "1", '"a"', "nil", "// c", "await ", "if ", "else ", "fn() 1", ",", ".", "|> print"]


def mutants(count: int) -> list[str]:
    rng = random.Random(20261130)
    out = []
    for _ in range(count):
        text = SEED_TEXT
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text))
            if rng.random() < 0.5:
                text = text[:at] + text[at + rng.randint(1, 12):]
            else:
                text = text[:at] + rng.choice(PIECES) + text[at:]
        out.append(text)
    return out


def test_every_accepted_mutant_compiles_to_javascript_that_parses(node, tmp_path):
    accepted = []
    for text in mutants(400):
        try:
            _manifest, files = compile_source(Source(text, "m.tova"), tmp_path, "m")
        except CompileError:
            continue
        accepted.extend(body for name, body in files.items() if name.endswith(".js"))
    assert len(accepted) >= 20, "the mutation mix should leave some programs valid"
    # An async function body parses like a module body (strict, top-level await) minus import/export.
    checks = [
        "'use strict';\n" + js.replace("export default __tova_createWorker(__tova_spec);", "")
        for js in accepted
    ]
    program = (
        "const AsyncFunction = (async () => {}).constructor;\nconst bad = [];\n"
        f"const sources = {json.dumps(checks)};\n"
        "sources.forEach((src, i) => { try { new AsyncFunction(src); } catch (e) { bad.push([i, String(e)]); } });\n"
        "process.stdout.write(JSON.stringify(bad));\n"
    )
    result = run_node_module(node, program)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


# ── differential: random expressions, Tova via node vs a Python model ─────────────────────────────
def random_expr(rng: random.Random, depth: int) -> tuple[str, object]:
    """(Tova source, the value the subset's semantics give it)."""
    if depth == 0 or rng.random() < 0.25:
        choice = rng.random()
        if choice < 0.6:
            n = rng.randint(-9, 9)
            return (f"({n})" if n < 0 else str(n)), n
        if choice < 0.8:
            b = rng.random() < 0.5
            return ("true" if b else "false"), b
        return "nil", None
    kind = rng.choice(["arith", "arith", "compare", "logic", "not", "if", "coalesce", "match", "nil_eq"])
    a_src, a = random_expr(rng, depth - 1)
    b_src, b = random_expr(rng, depth - 1)
    if kind == "arith":
        if not (isinstance(a, int) and not isinstance(a, bool) and isinstance(b, int) and not isinstance(b, bool)):
            return a_src, a
        op = rng.choice(["+", "-", "*"])
        return f"({a_src} {op} {b_src})", {"+": a + b, "-": a - b, "*": a * b}[op]
    if kind == "compare":
        if not (type(a) is int and type(b) is int):
            return f"({a_src} == {b_src})", (a is None and b is None) if (a is None or b is None) else (type(a) is type(b) and a == b)
        op = rng.choice(["<", "<=", ">", ">=", "==", "!="])
        value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        return f"({a_src} {op} {b_src})", value
    if kind == "nil_eq":
        return f"({a_src} == nil)", a is None
    if kind == "logic":
        op = rng.choice(["and", "or", "&&", "||"])
        truthy = bool(a) if a is not None else False
        if op in ("and", "&&"):
            return f"({a_src} {op} {b_src})", b if truthy else a
        return f"({a_src} {op} {b_src})", a if truthy else b
    if kind == "not":
        return f"(not {a_src})", not (bool(a) if a is not None else False)
    if kind == "coalesce":
        return f"({a_src} ?? {b_src})", b if a is None else a
    if kind == "if":
        c_src, c = random_expr(rng, depth - 1)
        truthy = bool(c) if c is not None else False
        return f"(if {c_src} {{ {a_src} }} else {{ {b_src} }})", a if truthy else b
    # match on a small int with literal arms
    subject = rng.randint(0, 3)
    arms = {0: a, 1: b}
    return (
        f"(match {subject} {{ 0 => {a_src}, 1 => {b_src}, _ => 7 }})",
        arms.get(subject, 7),
    )


def test_random_expressions_compute_what_the_model_says(node):
    rng = random.Random(7)
    cases = {}
    expected = {}
    for i in range(250):
        source, value = random_expr(rng, 4)
        cases[f"e{i}"] = f"fn main() {{\n  {source}\n}}"
        expected[f"e{i}"] = (source, value)
    results = run_snippets(node, cases)
    mismatches = []
    for name, (source, value) in expected.items():
        got = results[name]
        if "error" in got or json.dumps(got.get("value")) != json.dumps(value):
            mismatches.append((source, value, got))
    assert mismatches == []


# ── random statement nests: loops, value-position if/match, jumps, awaits, lambdas ─────────────────
def random_block(rng: random.Random, depth: int, names: list[str]) -> list[str]:
    lines = []
    for _ in range(rng.randint(1, 3)):
        lines.extend(random_statement(rng, depth, names))
    return lines


def random_value(rng: random.Random, depth: int, names: list[str]) -> str:
    choice = rng.random()
    if depth <= 0 or choice < 0.4:
        return rng.choice(names + ["1", '"s {1 + 2}"', "nil", "[1, 2]", "{ a: 1 }"])
    if choice < 0.55:
        body = "\n".join(random_block(rng, depth - 1, names))
        return f"if {rng.choice(names)} {{\n{body}\n}} else {{\n{rng.choice(names)}\n}}"
    if choice < 0.7:
        body = "\n".join(random_block(rng, depth - 1, names))
        return f"match {rng.choice(names)} {{\n1 => {{\n{body}\n}}\n_ => 2\n}}"
    if choice < 0.8:
        return f"fn(q) {{\n" + "\n".join(random_block(rng, depth - 1, names + ["q"])) + "\n}"
    if choice < 0.9:
        return f"await Promise.resolve({rng.choice(names)})"
    return f"[{rng.choice(names)}] |> map(fn(v) v) |> len()"


def random_statement(rng: random.Random, depth: int, names: list[str]) -> list[str]:
    choice = rng.random()
    if depth <= 0 or choice < 0.25:
        name = f"v{rng.randint(0, 99)}"
        return [f"{name} = {random_value(rng, depth - 1, names)}"]
    if choice < 0.35:
        return [rng.choice(["break", "continue", "return 1", "return"])]
    if choice < 0.5:
        return [f"for item in [1, 2] {{"] + random_block(rng, depth - 1, names + ["item"]) + ["}"]
    if choice < 0.6:
        return [f"while {rng.choice(names)} {{"] + random_block(rng, depth - 1, names) + ["}"]
    if choice < 0.7:
        return ["try {"] + random_block(rng, depth - 1, names) + ["} catch e {"] + random_block(rng, depth - 1, names + ["e"]) + ["}"]
    if choice < 0.8:
        return [f"match {rng.choice(names)} {{", "1 => {"] + random_block(rng, depth - 1, names) + ["}", "_ => 0", "}"]
    if choice < 0.9:
        return [f"if {rng.choice(names)} {{"] + random_block(rng, depth - 1, names) + ["} elif x {"] + random_block(rng, depth - 1, names) + ["}"]
    return [random_value(rng, depth, names)]


def test_random_statement_nests_compile_to_javascript_that_parses(node, tmp_path):
    rng = random.Random(99)
    sources, accepted = [], 0
    for i in range(300):
        body = "\n".join(random_block(rng, 4, ["x"]))
        text = f"fn f{i}(x) {{\n{body}\n}}\nedge {{\n  route GET \"/\" => fn(req) {{ f{i}(1) }}\n}}\n"
        try:
            _manifest, files = compile_source(Source(text, "r.tova"), tmp_path, "r")
        except CompileError:
            continue
        accepted += 1
        js = next(body for name, body in files.items() if name.endswith(".js"))
        sources.append("'use strict';\n" + js.replace("export default __tova_createWorker(__tova_spec);", ""))
    assert accepted >= 50, "the generator should mostly produce valid programs"
    program = (
        "const AsyncFunction = (async () => {}).constructor;\nconst bad = [];\n"
        f"const sources = {json.dumps(sources)};\n"
        "sources.forEach((src, i) => { try { new AsyncFunction(src); } catch (e) { bad.push([i, String(e)]); } });\n"
        "process.stdout.write(JSON.stringify(bad));\n"
    )
    result = run_node_module(node, program)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
