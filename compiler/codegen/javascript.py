"""Tova statements and expressions -> JavaScript source text.

Works on the resolved AST: names carry a `symbol` (their JavaScript name), functions know whether they
are async. Sub-expressions are parenthesised wherever precedence could matter, which keeps the emitter
simple and the output correct at the cost of a few extra parentheses.

"Tail" compilation gives Tova's rule that the last expression of a body is its value: a tail
expression statement becomes `return`, and `if`/`match`/`try` pass the tail on to their branches.
"""

from __future__ import annotations

import json
import re

from compiler import ast
from compiler.codegen.shapes import JS_LEVEL, contains_await, is_nil_test, is_numeric, left_chain, left_chain_ops
from compiler.resolve.globals import TOVA_METHODS

IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
# wrapping needed when these appear as the object of `.x`, a callee, or an operand
ATOMIC = (ast.Name, ast.String, ast.Array, ast.Member, ast.Index, ast.Call, ast.New, ast.Bool, ast.Nil)
BINARY_JS = {"==": "===", "!=": "!==", "and": "&&", "or": "||"}


class JsEmitter:
    def __init__(self) -> None:
        self.label_counter = 0
        self.indent = ""  # of the statement being emitted, so nested functions line up under it

    # ── names ───────────────────────────────────────────────────────────────────────────────────
    @staticmethod
    def name(node) -> str:
        symbol = getattr(node, "symbol", None)
        return symbol.js if symbol is not None else node.name

    @staticmethod
    def key(key: str) -> str:
        return key if IDENTIFIER.match(key) else json.dumps(key, ensure_ascii=False)

    # ── expressions ─────────────────────────────────────────────────────────────────────────────
    def atom(self, node) -> str:
        code = self.expr(node)
        return code if isinstance(node, ATOMIC) else f"({code})"

    def expr(self, node) -> str:
        method = getattr(self, "e_" + type(node).__name__)
        return method(node)

    def e_Name(self, node: ast.Name) -> str:
        return self.name(node)

    def e_Number(self, node: ast.Number) -> str:
        # from the value, not the text: JavaScript modules reject leading zeros (`007`) outright
        if isinstance(node.value, float):
            return repr(node.value)
        return str(node.value)

    def e_String(self, node: ast.String) -> str:
        if all(isinstance(p, str) for p in node.parts):
            return json.dumps("".join(node.parts), ensure_ascii=False)
        out = ["`"]
        for part in node.parts:
            if isinstance(part, str):
                # JSON's escapes are valid in a template literal, and keep a \r a \r (a raw one would
                # be read as \n); then only the template's own specials need escaping
                text = json.dumps(part, ensure_ascii=False)[1:-1]
                out.append(text.replace("`", "\\`").replace("${", "\\${"))
            else:
                # through str(): nil reads "nil" and lists/objects read as JSON, as `print` shows them
                code = self.expr(part)
                out.append("${" + (code if isinstance(part, ast.String) else f"__tova_str({code})") + "}")
        out.append("`")
        return "".join(out)

    def e_Bool(self, node: ast.Bool) -> str:
        return "true" if node.value else "false"

    def e_Nil(self, node: ast.Nil) -> str:
        return "null"

    def e_Spread(self, node: ast.Spread) -> str:
        return "..." + self.atom(node.value)

    def e_Array(self, node: ast.Array) -> str:
        return "[" + ", ".join(self.expr(item) for item in node.items) + "]"

    def e_Object(self, node: ast.Object) -> str:
        parts = []
        for prop in node.props:
            if prop.spread:
                parts.append("..." + self.atom(prop.value))
            elif prop.computed is not None:
                parts.append(f"[{self.expr(prop.computed)}]: {self.expr(prop.value)}")
            else:
                parts.append(f"{self.key(prop.key)}: {self.expr(prop.value)}")
        return "{" + ", ".join(parts) + "}"

    def e_Member(self, node: ast.Member) -> str:
        obj = self.atom(node.obj)
        dot = "?." if node.optional else "."
        if IDENTIFIER.match(node.name):
            return f"{obj}{dot}{node.name}"
        return f"{obj}{'?.' if node.optional else ''}[{json.dumps(node.name)}]"

    def e_Index(self, node: ast.Index) -> str:
        return f"{self.atom(node.obj)}{'?.' if node.optional else ''}[{self.expr(node.index)}]"

    def args(self, args) -> str:
        return ", ".join(self.expr(a) for a in args)

    def e_Call(self, node: ast.Call) -> str:
        callee = node.callee
        if isinstance(callee, ast.Member) and not callee.optional and callee.name in TOVA_METHODS:
            return self.method_call(self.atom(callee.obj), callee.name, self.args(node.args))
        return f"{self.atom(callee)}({self.args(node.args)})"

    def e_New(self, node: ast.New) -> str:
        callee = self.atom(node.callee)
        if isinstance(node.callee, ast.Call):
            callee = f"({callee})"
        return f"new {callee}({self.args(node.args)})"

    def e_Unary(self, node: ast.Unary) -> str:
        op = "!" if node.op == "not" else node.op
        return f"{op}{self.atom(node.operand)}"

    def e_Binary(self, node: ast.Binary) -> str:
        op = node.op
        if is_nil_test(node):
            # nil stands for both of JavaScript's empties: `x == nil` is true for null and undefined
            other = node.right if isinstance(node.left, ast.Nil) else node.left
            return f"{self.atom(other)} {op} null"
        if op == "++":
            return "__tova_concat(" + ", ".join(self.expr(part) for part in left_chain(node, ("++",))) + ")"
        if op in ("in", "not in"):
            return f"{'!' if op == 'not in' else ''}__tova_in({self.expr(node.left)}, {self.expr(node.right)})"
        if op == "*" and not (is_numeric(node.left) and is_numeric(node.right)):
            return f"__tova_mul({self.expr(node.left)}, {self.expr(node.right)})"
        # a left-leaning chain of one JavaScript precedence level needs no parentheses, and a 2,000-term
        # sum written flat stays flat (V8 refuses a few thousand nested parentheses)
        level = JS_LEVEL.get(op)
        chain = left_chain(node, [o for o, lvl in JS_LEVEL.items() if lvl == level]) if level else [node.left, node.right]
        ops = left_chain_ops(node, len(chain) - 1)
        out = [self.atom(chain[0])]
        for operator, operand in zip(ops, chain[1:]):
            out.append(f"{BINARY_JS.get(operator, operator)} {self.atom(operand)}")
        return " ".join(out)

    def e_Compare(self, node: ast.Compare) -> str:
        """`a < b < c`: each operand once, left to right, stopping at the first false comparison."""
        self.label_counter += 1
        names = [f"__tova_c{self.label_counter}_{i}" for i in range(len(node.operands))]
        inner = self.indent + "  "
        lines = [f"{inner}const {names[0]} = {self.expr(node.operands[0])};"]
        for index, op in enumerate(node.ops):
            lines.append(f"{inner}const {names[index + 1]} = {self.expr(node.operands[index + 1])};")
            test = f"{names[index]} {BINARY_JS.get(op, op)} {names[index + 1]}"
            if index == len(node.ops) - 1:
                lines.append(f"{inner}return {test};")
            else:
                lines.append(f"{inner}if (!({test})) return false;")
        return self.iife(node, lines)

    def e_Range(self, node: ast.Range) -> str:
        return f"__tova_span({self.expr(node.start)}, {self.expr(node.end)}, {'true' if node.inclusive else 'false'})"

    def e_IsType(self, node: ast.IsType) -> str:
        return f"{'!' if node.negated else ''}__tova_is({self.expr(node.value)}, {json.dumps(node.type_name)})"

    def e_Slice(self, node: ast.Slice) -> str:
        parts = ["undefined" if part is None else self.expr(part) for part in (node.start, node.stop, node.step)]
        return f"__tova_slice({self.expr(node.obj)}, {', '.join(parts)})"

    def e_Comprehension(self, node: ast.Comprehension) -> str:
        self.label_counter += 1
        out = f"__tova_items{self.label_counter}"
        inner = self.indent + "  "
        if len(node.targets) == 1:
            head = f"const {self.pattern(node.targets[0])} of {self.expr(node.iterable)}"
        else:
            first, second = (self.pattern(t) for t in node.targets)
            head = f"const [{first}, {second}] of __tova_enumerate({self.expr(node.iterable)})"
        push = f"{out}.push({self.expr(node.value)});"
        if node.cond is not None:
            push = f"if ({self.expr(node.cond)}) {push}"
        return self.iife(node, [f"{inner}const {out} = [];", f"{inner}for ({head}) {push}", f"{inner}return {out};"])

    def method_call(self, obj: str, name: str, args: str) -> str:
        if name in TOVA_METHODS:
            return f"__tova_method({obj}, {json.dumps(name)}{', ' + args if args else ''})"
        return f"{obj}.{name}({args})" if IDENTIFIER.match(name) else f"{obj}[{json.dumps(name)}]({args})"

    def e_Pipe(self, node: ast.Pipe) -> str:
        target = node.target
        if isinstance(target, ast.MethodPipe):
            return self.method_call(self.atom(node.value), target.name, self.args(target.args))
        value = self.expr(node.value)
        if isinstance(target, ast.Call):
            if any(isinstance(a, ast.Name) and a.name == "_" for a in target.args):
                args = ", ".join(value if isinstance(a, ast.Name) and a.name == "_" else self.expr(a) for a in target.args)
                return f"{self.atom(target.callee)}({args})"
            rest = self.args(target.args)
            return f"{self.atom(target.callee)}({value}{', ' + rest if rest else ''})"
        return f"{self.atom(target)}({value})"

    def e_Await(self, node: ast.Await) -> str:
        return f"await {self.atom(node.value)}"

    def params(self, params: list[ast.Param]) -> str:
        out = []
        for param in params:
            code = ("..." if param.rest else "") + self.pattern(param.target)
            if param.default is not None:
                code += " = " + self.expr(param.default)
            out.append(code)
        return ", ".join(out)

    def e_Lambda(self, node: ast.Lambda) -> str:
        body = self.function_body(node.body, self.indent)
        prefix = "async " if node.is_async else ""
        return f"{prefix}({self.params(node.params)}) => {body}"

    def function_body(self, block: ast.Block, indent: str = "") -> str:
        lines = self.statements(block.body, indent + "  ", tail=True)
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + "\n" + indent + "}"

    def iife(self, node, lines: list[str]) -> str:
        close = "\n" + self.indent + "})()"
        if contains_await(node):
            return "(await (async () => {\n" + "\n".join(lines) + close + ")"
        return "(() => {\n" + "\n".join(lines) + close

    def e_IfExpr(self, node: ast.IfExpr) -> str:
        simple = all(len(body.body) == 1 and isinstance(body.body[0], ast.ExprStmt) for _, body in node.branches)
        if simple and (node.orelse is None or (len(node.orelse.body) == 1 and isinstance(node.orelse.body[0], ast.ExprStmt))):
            code = self.expr(node.orelse.body[0].expr) if node.orelse is not None else "undefined"
            for cond, body in reversed(node.branches):
                code = f"({self.expr(cond)}) ? ({self.expr(body.body[0].expr)}) : ({code})"
            return f"({code})"
        return self.iife(node, self.if_statement(node.branches, node.orelse, self.indent + "  ", tail=True))

    def e_Match(self, node: ast.Match) -> str:
        return self.iife(node, self.match_statement(node, self.indent + "  ", tail=True))

    # ── patterns ────────────────────────────────────────────────────────────────────────────────
    def pattern(self, node) -> str:
        if isinstance(node, ast.NamePattern):
            return self.name(node)
        if isinstance(node, ast.ObjectPattern):
            parts = []
            for key, target, default in node.entries:
                inner = self.pattern(target)
                code = inner if isinstance(target, ast.NamePattern) and inner == key else f"{self.key(key)}: {inner}"
                if default is not None:
                    code += " = " + self.expr(default)
                parts.append(code)
            if node.rest is not None:
                parts.append("..." + self.pattern(node.rest))
            return "{ " + ", ".join(parts) + " }"
        items = ["" if item is None else self.pattern(item) for item in node.items]
        if node.rest is not None:
            items.append("..." + self.pattern(node.rest))
        return "[" + ", ".join(items) + "]"

    # ── statements ──────────────────────────────────────────────────────────────────────────────
    def statements(self, body: list, indent: str, tail: bool = False) -> list[str]:
        lines: list[str] = []
        last = len(body) - 1
        for index, stmt in enumerate(body):
            lines.extend(self.stmt(stmt, indent, tail and index == last))
        return lines

    def block(self, block: ast.Block, indent: str, tail: bool = False) -> str:
        lines = self.statements(block.body, indent + "  ", tail)
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + "\n" + indent + "}"

    def stmt(self, node, indent: str, tail: bool = False) -> list[str]:
        outer = self.indent
        self.indent = indent
        try:
            return self.emit_stmt(node, indent, tail)
        finally:
            self.indent = outer

    def emit_stmt(self, node, indent: str, tail: bool) -> list[str]:
        kind = type(node)
        if kind is ast.ExprStmt:
            code = self.expr(node.expr)
            if tail:
                return [f"{indent}return {code};"]
            if code.startswith(("{", "function", "async function", "let ", "(() =>", "(async")) or isinstance(node.expr, ast.Object):
                code = f"({code})"
            return [f"{indent}{code};"]
        if kind is ast.Let:
            value = self.expr(node.value)
            if node.reassign:
                return [f"{indent}{self.pattern(node.target)} = {value};"]
            keyword = "let" if node.mutable else "const"
            return [f"{indent}{keyword} {self.pattern(node.target)} = {value};"]
        if kind is ast.Assign:
            target = self.expr(node.target)
            return [f"{indent}{target} {node.op} {self.expr(node.value)};"]
        if kind is ast.FnDecl:
            return [indent + self.function_decl(node, indent)]
        if kind is ast.Return:
            return [f"{indent}return{' ' + self.expr(node.value) if node.value is not None else ''};"]
        if kind is ast.Throw:
            return [f"{indent}throw {self.expr(node.value)};"]
        if kind is ast.If:
            return self.if_statement(node.branches, node.orelse, indent, tail)
        if kind is ast.For:
            if len(node.targets) == 1:
                head = f"const {self.pattern(node.targets[0])} of {self.expr(node.iterable)}"
            else:
                first, second = (self.pattern(t) for t in node.targets)
                head = f"const [{first}, {second}] of __tova_enumerate({self.expr(node.iterable)})"
            return [f"{indent}for ({head}) {self.block(node.body, indent)}"]
        if kind is ast.While:
            return [f"{indent}while ({self.expr(node.cond)}) {self.block(node.body, indent)}"]
        if kind is ast.Break:
            return [f"{indent}break;"]
        if kind is ast.Continue:
            return [f"{indent}continue;"]
        if kind is ast.Try:
            code = f"{indent}try {self.block(node.body, indent, tail)}"
            if node.catch_body is not None:
                symbol = getattr(node, "catch_symbol", None)
                binding = f" ({symbol.js})" if symbol is not None else ""
                code += f" catch{binding} {self.block(node.catch_body, indent, tail)}"
            if node.finally_body is not None:
                code += f" finally {self.block(node.finally_body, indent)}"
            return [code]
        if kind is ast.MatchStmt:
            return self.match_statement(node.match, indent, tail)
        raise TypeError(f"no JavaScript for {kind.__name__}")

    def function_decl(self, node: ast.FnDecl, indent: str = "") -> str:
        fn = node.fn
        prefix = "async function" if fn.is_async else "function"
        name = node.symbol.js if getattr(node, "symbol", None) else node.name
        return f"{prefix} {name}({self.params(fn.params)}) {self.function_body(fn.body, indent)}"

    def if_statement(self, branches, orelse, indent: str, tail: bool) -> list[str]:
        outer = self.indent
        self.indent = indent
        code = indent
        for index, (cond, body) in enumerate(branches):
            keyword = "if" if index == 0 else " else if"
            code += f"{keyword} ({self.expr(cond)}) {self.block(body, indent, tail)}"
        if orelse is not None:
            code += f" else {self.block(orelse, indent, tail)}"
        self.indent = outer
        return [code]

    def match_statement(self, node: ast.Match, indent: str, tail: bool) -> list[str]:
        self.label_counter += 1
        label = f"__tova_match{self.label_counter}"
        subject = f"__tova_subject{self.label_counter}"
        inner = indent + "  "
        outer = self.indent
        self.indent = inner
        lines = [f"{indent}{label}: {{", f"{inner}const {subject} = {self.expr(node.subject)};"]
        for arm in node.arms:
            body = self.statements(arm.body.body, inner + "    ", tail)
            if not tail:
                body.append(f"{inner}    break {label};")
            binder = next((p for p in arm.patterns if isinstance(p, ast.Name)), None)
            prefix = next((p for p in arm.patterns if isinstance(p, ast.PrefixPattern)), None)
            tests = [self.pattern_test(p, subject) for p in arm.patterns if not isinstance(p, ast.Name)]
            if prefix is not None and prefix.rest is not None:
                cond = " || ".join(tests)
                guard = f" && ({self.expr(arm.guard)})" if arm.guard is not None else ""
                lines.append(f"{inner}if ({cond}) {{")
                lines.append(f"{inner}  const {self.name(prefix.rest)} = {subject}.slice({len(prefix.prefix.encode('utf-16-le')) // 2});")
                lines.append(f"{inner}  if (true{guard}) {{")
                lines.extend(body)
                lines.append(f"{inner}  }}")
                lines.append(f"{inner}}}")
                continue
            cond = " || ".join(t for t in tests if t is not None) if tests and None not in tests else "true"
            if binder is not None:
                lines.append(f"{inner}{{")
                lines.append(f"{inner}  const {self.name(binder)} = {subject};")
                guard = self.expr(arm.guard) if arm.guard is not None else "true"
                lines.append(f"{inner}  if ({guard}) {{")
                lines.extend(body)
                lines.append(f"{inner}  }}")
                lines.append(f"{inner}}}")
                continue
            if arm.guard is not None:
                cond = f"({cond}) && ({self.expr(arm.guard)})"
            lines.append(f"{inner}if ({cond}) {{")
            lines.extend(body)
            lines.append(f"{inner}}}")
        lines.append(f"{indent}}}")
        self.indent = outer
        return lines

    def pattern_test(self, pattern, subject: str) -> str | None:
        if pattern is None:
            return None  # `_` matches anything
        if isinstance(pattern, ast.Nil):
            return f"{subject} == null"
        if isinstance(pattern, ast.PrefixPattern):
            return f"(typeof {subject} === \"string\" && {subject}.startsWith({json.dumps(pattern.prefix, ensure_ascii=False)}))"
        return f"{subject} === {self.expr(pattern)}"
