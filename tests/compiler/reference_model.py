"""A small model of the Tova subset, independent of the compiler: programs as plain tuples, a printer
to Tova source, and an evaluator in Python with the semantics the language promises (JavaScript's
numbers and remainders, Python's slices and chained comparisons, block scoping, immutable names).

The differential test generates programs here, prints them, and checks that the compiled JavaScript
computes what `evaluate` says, or that the compiler refuses the programs the model says are invalid.
"""

from __future__ import annotations

import json
import math
import random

NAMES = "abcdefghjkmnpqrstuvwxyz"
LETTERS = "ab -"
LIMIT = 2**50  # beyond this JavaScript's doubles and Python's ints part ways; such programs are redrawn
LENGTH_LIMIT = 10_000  # strings and lists a loop doubles grow without bound; such programs are redrawn


class Invalid(Exception):
    """The program breaks a rule of the language; the compiler must refuse it (with this line)."""

    def __init__(self, line: int) -> None:
        self.line = line


class TooBig(Exception):
    pass


# ── expressions: (kind, ...) tuples, each with a type: int, str, bool, list (of ints) ─────────────
class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0
        self.functions: list[tuple[str, list[str], tuple]] = []

    def fresh(self) -> str:
        self.counter += 1
        return f"{self.rng.choice(NAMES)}{self.counter}"

    def expr(self, kind: str, scope: dict, depth: int):
        rng = self.rng
        names = [n for n, (t, _m) in scope.items() if t == kind]
        if depth <= 0 or rng.random() < 0.2:
            if names and rng.random() < 0.5:
                return ("var", rng.choice(names))
            return self.literal(kind)
        return getattr(self, "expr_" + kind)(scope, depth - 1)

    def literal(self, kind: str):
        rng = self.rng
        if kind == "int":
            return ("int", rng.randint(-9, 9))
        if kind == "str":
            return ("str", "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, 4))))
        if kind == "bool":
            return ("bool", rng.random() < 0.5)
        return ("list", [("int", rng.randint(-5, 5)) for _ in range(rng.randint(0, 4))])

    def expr_int(self, scope, depth):
        rng = self.rng
        pick = rng.choice(["arith", "arith", "chain", "neg", "mod", "pow", "len", "len_list", "sum", "if", "match", "call", "call"])
        e = lambda k="int": self.expr(k, scope, depth)  # noqa: E731
        if pick == "arith":
            return ("bin", rng.choice(["+", "-", "*"]), e(), e())
        if pick == "chain":  # written without parentheses: precedence and left-associativity matter
            ops = [rng.choice(["+", "-", "*"]) for _ in range(rng.randint(2, 4))]
            return ("chain", ops, [e() for _ in range(len(ops) + 1)])
        if pick == "neg":
            return ("neg", e())
        if pick == "mod":
            return ("bin", "%", e(), ("int", rng.choice([-7, -3, 2, 3, 5, 9])))
        if pick == "pow":
            return ("bin", "**", ("int", rng.randint(-3, 3)), ("int", rng.randint(0, 3)))
        if pick == "len":
            return ("len", e("str"))
        if pick == "len_list":
            return ("len", e("list"))
        if pick == "sum":
            return ("sum", e("list"))
        if pick == "if":
            return ("if", e("bool"), e(), e())
        if pick == "match":
            return ("match", e(), [(rng.randint(-2, 2), e()) for _ in range(rng.randint(1, 3))], e())
        if not self.functions or rng.random() < 0.3:
            return self.new_function(depth)
        name, params, _body = rng.choice(self.functions)
        return ("call", name, [e() for _ in params])

    def new_function(self, depth):
        name = "f" + self.fresh()
        params = [self.fresh() for _ in range(self.rng.randint(1, 2))]
        body = self.expr("int", {p: ("int", False) for p in params}, min(depth, 2))
        self.functions.append((name, params, body))
        return ("call", name, [self.expr("int", {}, 0) for _ in params])

    def expr_str(self, scope, depth):
        rng = self.rng
        pick = rng.choice(["concat", "concat", "interp", "repeat", "slice", "upper", "if", "prefix"])
        e = lambda k="str": self.expr(k, scope, depth)  # noqa: E731
        if pick == "concat":
            return ("concat", e(), e())
        if pick == "interp":
            return ("interp", [e(rng.choice(["int", "str", "bool"])) for _ in range(rng.randint(1, 3))])
        if pick == "repeat":
            return ("repeat", e(), rng.randint(0, 3))
        if pick == "slice":
            return ("slice", e(), *self.slice_bounds())
        if pick == "upper":
            return ("upper", e())
        if pick == "if":
            return ("if", e("bool"), e(), e())
        return ("prefix", e(), rng.choice(["a", "b", "ab", " "]), e())

    def slice_bounds(self):
        rng = self.rng
        part = lambda: None if rng.random() < 0.4 else rng.randint(-4, 4)  # noqa: E731
        step = None if rng.random() < 0.6 else rng.choice([-2, -1, 1, 2, 3])
        return part(), part(), step

    def expr_bool(self, scope, depth):
        rng = self.rng
        pick = rng.choice(["cmp", "cmp", "chaincmp", "logic", "not", "streq", "in_str", "in_list", "is"])
        e = lambda k="bool": self.expr(k, scope, depth)  # noqa: E731
        if pick == "cmp":
            return ("cmp", [rng.choice(["<", "<=", ">", ">=", "==", "!="])], [e("int"), e("int")])
        if pick == "chaincmp":
            ops = [rng.choice(["<", "<=", ">", ">="]) for _ in range(rng.randint(2, 3))]
            return ("cmp", ops, [e("int") for _ in range(len(ops) + 1)])
        if pick == "logic":
            return ("logic", rng.choice(["and", "or"]), e(), e())
        if pick == "not":
            return ("not", e())
        if pick == "streq":
            return ("cmp", [rng.choice(["==", "!="])], [e("str"), e("str")])
        if pick == "in_str":
            return ("in", e("str"), e("str"), rng.random() < 0.3)
        if pick == "in_list":
            return ("in", e("int"), e("list"), rng.random() < 0.3)
        return ("is", e(rng.choice(["int", "str", "bool", "list"])), rng.choice(["Int", "String", "Bool", "List"]))

    def expr_list(self, scope, depth):
        rng = self.rng
        pick = rng.choice(["literal", "range", "comp", "concat", "slice"])
        e = lambda k="list": self.expr(k, scope, depth)  # noqa: E731
        if pick == "literal":
            return ("list", [self.expr("int", scope, depth) for _ in range(rng.randint(0, 3))])
        if pick == "range":
            return ("range", ("int", rng.randint(-3, 3)), ("int", rng.randint(-3, 6)), rng.random() < 0.5)
        if pick == "comp":
            var = self.fresh()
            inner = {**scope, var: ("int", False)}
            cond = self.expr("bool", inner, depth) if rng.random() < 0.6 else None
            return ("comp", self.expr("int", inner, depth), var, e(), cond)
        if pick == "concat":
            return ("concat", e(), e())
        return ("slice", e(), *self.slice_bounds())

    # ── statements ───────────────────────────────────────────────────────────────────────────
    def block(self, scope: dict, depth: int, count: int, invalid: list) -> list:
        """Statements; `scope` maps visible names to (type, mutable) and gains this block's names."""
        out = []
        for _ in range(count):
            out.append(self.stmt(scope, depth, invalid))
        return out

    def stmt(self, scope: dict, depth: int, invalid: list):
        rng = self.rng
        mutable = [n for n, (_t, m) in scope.items() if m]
        immutable = [n for n, (_t, m) in scope.items() if not m and not n.startswith("_")]
        pick = rng.random()
        if invalid and not invalid[0] and immutable and depth < 2 and rng.random() < 0.3:
            invalid[0] = True  # the one mistake of this program: reassigning an immutable in a nested block
            name = rng.choice(immutable)
            return ("assign", name, self.expr(scope[name][0], scope, 2), "bad")
        if pick < 0.3 or not mutable:
            kind = rng.choice(["int", "int", "str", "bool", "list"])
            name = self.fresh()
            stmt = ("let", name, self.expr(kind, scope, 3), rng.random() < 0.6)
            scope[name] = (kind, stmt[3])
            return stmt
        if pick < 0.55:
            name = rng.choice(mutable)
            kind = scope[name][0]
            if kind == "int" and rng.random() < 0.4:
                return ("augment", name, rng.choice(["+=", "-="]), self.expr("int", scope, 2))
            return ("assign", name, self.expr(kind, scope, 3), "ok")
        if depth <= 0:
            name = rng.choice(mutable)
            return ("assign", name, self.expr(scope[name][0], scope, 2), "ok")
        if pick < 0.75:
            branches = [(self.expr("bool", scope, 2), self.block(dict(scope), depth - 1, rng.randint(1, 3), invalid))
                        for _ in range(rng.randint(1, 2))]
            orelse = self.block(dict(scope), depth - 1, rng.randint(1, 2), invalid) if rng.random() < 0.6 else None
            return ("if", branches, orelse)
        if pick < 0.9:
            var = self.fresh()
            inner = {**scope, var: ("int", False)}
            return ("for", var, self.expr("list", scope, 2), self.block(inner, depth - 1, rng.randint(1, 3), invalid))
        counter = "_" + self.fresh()  # the loop's own counter: never a target of generated assignments
        inner = dict(scope)
        return ("while", counter, rng.randint(0, 4), self.block(inner, depth - 1, rng.randint(1, 3), invalid))

    def program(self, allow_invalid: bool):
        self.counter = 0
        self.functions = []
        scope: dict = {}
        invalid = [False] if allow_invalid else []
        body = self.block(scope, 2, self.rng.randint(2, 6), invalid)
        result = [n for n in scope if not n.startswith("_")]
        return self.functions, body, result


# ── printing ─────────────────────────────────────────────────────────────────────────────────
def show(e) -> str:
    kind = e[0]
    if kind == "int":
        return str(e[1]) if e[1] >= 0 else f"({e[1]})"
    if kind == "str":
        return json.dumps(e[1])
    if kind == "bool":
        return "true" if e[1] else "false"
    if kind == "var":
        return e[1]
    if kind == "list":
        return "[" + ", ".join(show(x) for x in e[1]) + "]"
    if kind == "bin":
        return f"({show(e[2])} {e[1]} {show(e[3])})"
    if kind == "chain":
        out = show(e[2][0])
        for op, operand in zip(e[1], e[2][1:]):
            out += f" {op} {show(operand)}"
        return f"({out})"
    if kind == "neg":
        return f"(-{show(e[1])})"
    if kind == "len":
        return f"len({show(e[1])})"
    if kind == "sum":
        return f"sum({show(e[1])})"
    if kind == "if":
        return f"(if {show(e[1])} {{ {show(e[2])} }} else {{ {show(e[3])} }})"
    if kind == "match":
        arms = ", ".join(f"{n} => {show(v)}" for n, v in e[2])
        return f"(match {show(e[1])} {{ {arms}, _ => {show(e[3])} }})"
    if kind == "call":
        return f"{e[1]}({', '.join(show(a) for a in e[2])})"
    if kind == "concat":
        return f"({show(e[1])} ++ {show(e[2])})"
    if kind == "interp":
        return '"' + "".join("{" + show(p) + "}" for p in e[1]) + '"'
    if kind == "repeat":
        return f"({show(e[1])} * {e[2]})"
    if kind == "slice":
        start, stop, step = (("" if p is None else str(p)) for p in e[2:5])
        return f"{show_atom(e[1])}[{start}:{stop}" + (f":{step}]" if e[4] is not None else "]")
    if kind == "upper":
        return f"{show_atom(e[1])}.upper()"
    if kind == "prefix":
        return f"(match {show(e[1])} {{ {json.dumps(e[2])} ++ rest => rest, _ => {show(e[3])} }})"
    if kind == "cmp":
        out = show(e[2][0])
        for op, operand in zip(e[1], e[2][1:]):
            out += f" {op} {show(operand)}"
        return f"({out})"
    if kind == "logic":
        return f"({show(e[2])} {e[1]} {show(e[3])})"
    if kind == "not":
        return f"(not {show(e[1])})"
    if kind == "in":
        return f"({show(e[1])} {'not in' if e[3] else 'in'} {show(e[2])})"
    if kind == "is":
        return f"({show(e[1])} is {e[2]})"
    if kind == "range":
        return f"({show(e[1])}{'..=' if e[3] else '..'}{show(e[2])})"
    if kind == "comp":
        cond = f" if {show(e[4])}" if e[4] is not None else ""
        return f"[{show(e[1])} for {e[2]} in {show(e[3])}{cond}]"
    raise ValueError(kind)


def show_atom(e) -> str:
    text = show(e)
    return text if e[0] in ("var", "str", "list", "call", "comp") else f"({text})"


def print_program(functions, body, result) -> tuple[str, dict[int, int]]:
    """Tova source with `fn main()`, and {id(bad stmt): its line} for the invalid assignment."""
    lines: list[str] = []
    bad_lines: dict[int, int] = {}
    for name, params, fbody in functions:
        lines.append(f"fn {name}({', '.join(params)}) {{")
        lines.append(f"  {show(fbody)}")
        lines.append("}")
    lines.append("fn main() {")

    def emit(stmts, indent):
        for s in stmts:
            pad = "  " * indent
            kind = s[0]
            if kind == "let":
                lines.append(f"{pad}{'var ' if s[3] else ''}{s[1]} = {show(s[2])}")
            elif kind == "assign":
                if s[3] == "bad":
                    bad_lines[id(s)] = len(lines) + 1
                lines.append(f"{pad}{s[1]} = {show(s[2])}")
            elif kind == "augment":
                lines.append(f"{pad}{s[1]} {s[2]} {show(s[3])}")
            elif kind == "if":
                for index, (cond, block) in enumerate(s[1]):
                    head = "if" if index == 0 else "} elif"
                    lines.append(f"{pad}{head} {show(cond)} {{")
                    emit(block, indent + 1)
                if s[2] is not None:
                    lines.append(f"{pad}}} else {{")
                    emit(s[2], indent + 1)
                lines.append(f"{pad}}}")
            elif kind == "for":
                lines.append(f"{pad}for {s[1]} in {show(s[2])} {{")
                emit(s[3], indent + 1)
                lines.append(f"{pad}}}")
            elif kind == "while":
                lines.append(f"{pad}var {s[1]} = 0")
                lines.append(f"{pad}while {s[1]} < {s[2]} {{")
                emit(s[3], indent + 1)
                lines.append(f"{pad}  {s[1]} += 1")
                lines.append(f"{pad}}}")

    emit(body, 1)
    lines.append(f"  [{', '.join(result)}]")
    lines.append("}")
    return "\n".join(lines), bad_lines


# ── evaluation ───────────────────────────────────────────────────────────────────────────────
def js_str(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def py_slice(items, start, stop, step):
    return items[slice(start, stop, step)]


def checked(value):
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LIMIT:
        raise TooBig()
    return value


def joined(a, b):
    """a + b for strings and lists, refusing (before building it) what would be too long."""
    if len(a) + len(b) > LENGTH_LIMIT:
        raise TooBig()
    return a + b


class Evaluator:
    def __init__(self, functions) -> None:
        self.functions = {name: (params, body) for name, params, body in functions}

    def lookup(self, scopes, name):
        for scope in reversed(scopes):
            if name in scope:
                return scope
        raise KeyError(name)

    def ev(self, e, scopes):
        kind = e[0]
        ev = lambda x: self.ev(x, scopes)  # noqa: E731
        if kind in ("int", "str", "bool"):
            return e[1]
        if kind == "var":
            return self.lookup(scopes, e[1])[e[1]][0]
        if kind == "list":
            return [ev(x) for x in e[1]]
        if kind == "bin":
            a, b = ev(e[2]), ev(e[3])
            op = e[1]
            if op == "%":
                return checked(int(math.fmod(a, b)))  # JavaScript's remainder takes the dividend's sign
            if op == "**":
                return checked(a**b)
            return checked({"+": a + b, "-": a - b, "*": a * b}[op])
        if kind == "chain":
            # * before + and -, each level left to right
            terms = [ev(e[2][0])]
            ops = []
            for op, operand in zip(e[1], e[2][1:]):
                value = ev(operand)
                if op == "*":
                    terms[-1] = checked(terms[-1] * value)
                else:
                    ops.append(op)
                    terms.append(value)
            total = terms[0]
            for op, value in zip(ops, terms[1:]):
                total = checked(total + value if op == "+" else total - value)
            return total
        if kind == "neg":
            return -ev(e[1])
        if kind == "len":
            return len(ev(e[1]))
        if kind == "sum":
            return checked(sum(ev(e[1])))
        if kind == "if":
            return ev(e[2]) if ev(e[1]) else ev(e[3])
        if kind == "match":
            subject = ev(e[1])
            for number, value in e[2]:
                if subject == number:
                    return ev(value)
            return ev(e[3])
        if kind == "call":
            params, body = self.functions[e[1]]
            args = [ev(a) for a in e[2]]
            return self.ev(body, [{p: (v, False) for p, v in zip(params, args)}])
        if kind == "concat":
            return joined(ev(e[1]), ev(e[2]))
        if kind == "interp":
            text = "".join(js_str(ev(p)) for p in e[1])
            return joined(text, "")
        if kind == "repeat":
            text = ev(e[1])
            if len(text) * e[2] > LENGTH_LIMIT:
                raise TooBig()
            return text * e[2]
        if kind == "slice":
            return py_slice(ev(e[1]), e[2], e[3], e[4])
        if kind == "upper":
            return ev(e[1]).upper()
        if kind == "prefix":
            subject = ev(e[1])
            return subject[len(e[2]):] if subject.startswith(e[2]) else ev(e[3])
        if kind == "cmp":
            left = ev(e[2][0])
            for op, operand in zip(e[1], e[2][1:]):
                right = ev(operand)
                ok = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                      "==": left == right, "!=": left != right}[op]
                if not ok:
                    return False
                left = right
            return True
        if kind == "logic":
            a = ev(e[2])
            if e[1] == "and":
                return ev(e[3]) if a else a
            return a if a else ev(e[3])
        if kind == "not":
            return not ev(e[1])
        if kind == "in":
            found = ev(e[1]) in ev(e[2])
            return not found if e[3] else found
        if kind == "is":
            value = ev(e[1])
            return {"Int": type(value) is int, "String": type(value) is str, "Bool": type(value) is bool, "List": type(value) is list}[e[2]]
        if kind == "range":
            start, end = ev(e[1]), ev(e[2])
            return list(range(start, end + 1 if e[3] else end))
        if kind == "comp":
            out = []
            for item in ev(e[3]):
                inner = scopes + [{e[2]: (item, False)}]
                if e[4] is None or self.ev(e[4], inner):
                    out.append(self.ev(e[1], inner))
            return out
        raise ValueError(kind)

    def run(self, stmts, scopes, bad_lines) -> None:
        for s in stmts:
            kind = s[0]
            if kind == "let":
                scopes[-1][s[1]] = (self.ev(s[2], scopes), s[3])
            elif kind == "assign":
                if s[3] == "bad":
                    raise Invalid(bad_lines[id(s)])
                scope = self.lookup(scopes, s[1])
                scope[s[1]] = (self.ev(s[2], scopes), True)
            elif kind == "augment":
                scope = self.lookup(scopes, s[1])
                value = self.ev(s[3], scopes)
                scope[s[1]] = (checked(scope[s[1]][0] + value if s[2] == "+=" else scope[s[1]][0] - value), True)
            elif kind == "if":
                for cond, block in s[1]:
                    if self.ev(cond, scopes):
                        self.run(block, scopes + [{}], bad_lines)
                        break
                else:
                    if s[2] is not None:
                        self.run(s[2], scopes + [{}], bad_lines)
            elif kind == "for":
                for item in self.ev(s[2], scopes):
                    self.run(s[3], scopes + [{s[1]: (item, False)}], bad_lines)
            elif kind == "while":
                for _ in range(s[2]):
                    self.run(s[3], scopes + [{}], bad_lines)


def find_invalid(stmts, bad_lines) -> int | None:
    """The line of the program's invalid assignment, wherever it is (even in a branch never run)."""
    for s in stmts:
        if s[0] == "assign" and s[3] == "bad":
            return bad_lines[id(s)]
        blocks = []
        if s[0] == "if":
            blocks = [b for _c, b in s[1]] + ([s[2]] if s[2] is not None else [])
        elif s[0] in ("for",):
            blocks = [s[3]]
        elif s[0] == "while":
            blocks = [s[3]]
        for block in blocks:
            found = find_invalid(block, bad_lines)
            if found is not None:
                return found
    return None


def generate(rng: random.Random, allow_invalid: bool):
    """(Tova source, ("value", v) | ("refused", line)), redrawing programs whose numbers grow too big."""
    while True:
        gen = Generator(rng)
        functions, body, result = gen.program(allow_invalid)
        source, bad_lines = print_program(functions, body, result)
        line = find_invalid(body, bad_lines)
        if line is not None:
            return source, ("refused", line)
        try:
            scope: dict = {}
            Evaluator(functions).run(body, [scope], bad_lines)
        except TooBig:
            continue
        return source, ("value", [scope[name][0] for name in result])
