"""Name resolution inside code: every identifier must be declared, immutables stay immutable.

The walk also records what code generation needs to know: the JavaScript name of each variable
(shadowing declarations get a fresh name, since `const x = x + 1` in JavaScript reads the new `x`),
which functions are async (their body awaits), and whether `x = e` declares or reassigns.
"""

from __future__ import annotations


from compiler import ast
from compiler.record import Factory, record
from compiler.diagnostics import Reporter
from compiler.resolve.globals import BUILTINS, JS_RESERVED, PLATFORM_GLOBALS


@record
class Symbol:
    name: str
    kind: str  # const, var, param, fn, type, binding, global, builtin
    js: str
    decl: object = None  # the declaring node (TypeDecl for types)
    span: object = None  # where the name was bound, for "bound at line:col" in diagnostics

    def where(self) -> str:
        return f" (bound at {self.span.line}:{self.span.col})" if self.span is not None else ""


@record
class Scope:
    parent: "Scope | None"
    symbols: dict[str, Symbol] = Factory(dict)
    function: bool = False  # a function body starts a new function scope

    def lookup(self, name: str) -> Symbol | None:
        scope = self
        while scope is not None:
            found = scope.symbols.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def visible_names(self) -> set[str]:
        names: set[str] = set()
        scope = self
        while scope is not None:
            names.update(scope.symbols)
            scope = scope.parent
        return names


def global_scope() -> Scope:
    scope = Scope(None)
    for name in PLATFORM_GLOBALS:
        scope.symbols[name] = Symbol(name, "global", name)
    for name, js in BUILTINS.items():
        scope.symbols[name] = Symbol(name, "builtin", js)
    return scope


def pattern_names(pattern) -> list:
    if isinstance(pattern, ast.NamePattern):
        return [pattern]
    names: list = []
    if isinstance(pattern, ast.ObjectPattern):
        for _key, target, _default in pattern.entries:
            names += pattern_names(target)
    elif isinstance(pattern, ast.ArrayPattern):
        for item in pattern.items:
            if item is not None:
                names += pattern_names(item)
    if getattr(pattern, "rest", None) is not None:
        names.append(pattern.rest)
    return names


class Resolver:
    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.used_js: set[str] = set()
        self.fn_stack: list[ast.Lambda | None] = []
        self.block_only_names: set[str] = set()  # bindings, env and secrets of any edge block
        self.uses: set[Symbol] | None = None  # when set, collects every symbol the code refers to
        self.loop_depth: list[int] = [0]
        # how deep in an `if`/`match` used as a value we are, per function: that code runs in a
        # generated inner function, where `return`, `break` and `continue` cannot reach out
        self.value_depth: list[int] = [0]

    # ── declarations ─────────────────────────────────────────────────────────────────────────────
    def js_name(self, name: str, scope: Scope) -> str:
        base = name + "$" if name in JS_RESERVED else name
        # a fresh JavaScript name when it would shadow something visible, or clash with a name in use
        candidate = base
        counter = 1
        while candidate in self.used_js and scope.lookup(name) is not None:
            counter += 1
            candidate = f"{base}${counter}"
        self.used_js.add(candidate)
        return candidate

    def declare(self, scope: Scope, name: str, kind: str, span, decl=None) -> Symbol:
        if name.startswith("__tova"):
            self.reporter.error(span, f"`{name}` is reserved for the compiler: expected a name not starting with `__tova`")
        existing = scope.symbols.get(name)
        if existing is not None and existing.kind not in ("global", "builtin"):
            self.reporter.error(span, f"`{name}` is already declared in this scope: expected a new name, or `var {name}` to make it reassignable")
            return existing
        symbol = Symbol(name, kind, self.js_name(name, scope), decl, span)
        scope.symbols[name] = symbol
        return symbol

    def refuse_reassign(self, span, symbol: Symbol, how: str | None = None) -> None:
        """`x = e` where an enclosing scope binds an immutable `x`: JavaScript would read it as a new
        `const` in the inner block and the outer `x` would silently keep its value, so it is an error
        wherever it happens (nested blocks, loops, match arms, lambdas), as in upstream Tova."""
        what = {"fn": "a function", "type": "a type", "binding": "a binding"}.get(symbol.kind)
        action = how or f"reassign `{symbol.name}`"
        if what is not None:
            self.reporter.error(span, f"cannot {action}: it is {what}{symbol.where()}; expected a new name for the new value")
            return
        self.reporter.error(
            span,
            f"cannot {action}: it is immutable{symbol.where()}; expected `var {symbol.name} = ...` where it is bound",
            f"write `var {symbol.name} = ...` at {symbol.span.line}:{symbol.span.col} to make it reassignable" if symbol.span else None,
        )

    def declare_pattern(self, scope: Scope, pattern, kind: str) -> None:
        if isinstance(pattern, ast.NamePattern):
            pattern.symbol = self.declare(scope, pattern.name, kind, pattern.span)
        elif isinstance(pattern, ast.ObjectPattern):
            for _key, target, default in pattern.entries:
                if default is not None:
                    self.expr(default, scope)
                self.declare_pattern(scope, target, kind)
            if pattern.rest is not None:
                self.declare_pattern(scope, pattern.rest, kind)
        elif isinstance(pattern, ast.ArrayPattern):
            for item in pattern.items:
                if item is not None:
                    self.declare_pattern(scope, item, kind)
            if pattern.rest is not None:
                self.declare_pattern(scope, pattern.rest, kind)

    def unknown(self, node: ast.Name, scope: Scope) -> None:
        import difflib  # only on the error path

        names = [n for n in scope.visible_names() if not n.startswith("__")]
        close = difflib.get_close_matches(node.name, names, n=1, cutoff=0.7)
        hint = f"did you mean `{close[0]}`?" if close else None
        if node.name == "null":
            hint = "Tova writes null as `nil`"
        elif node.name in self.block_only_names:
            hint = f"`{node.name}` is declared in an edge block and is visible only inside it: pass it in as an argument"
        self.reporter.error(
            node.span,
            f"unknown identifier `{node.name}`: expected a variable, parameter, function, type, binding or platform global declared before use",
            hint,
        )

    # ── blocks and statements ───────────────────────────────────────────────────────────────────
    def hoist(self, body: list, scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FnDecl):
                stmt.symbol = self.declare(scope, stmt.name, "fn", stmt.span, stmt)

    def block(self, block: ast.Block, scope: Scope) -> None:
        inner = Scope(scope)
        self.hoist(block.body, inner)
        for stmt in block.body:
            self.stmt(stmt, inner)

    def stmt(self, stmt, scope: Scope) -> None:
        kind = type(stmt)
        if kind is ast.ExprStmt:
            self.expr(stmt.expr, scope)
        elif kind is ast.Let:
            self.let(stmt, scope)
        elif kind is ast.Assign:
            self.expr(stmt.value, scope)
            target = stmt.target
            if isinstance(target, ast.Name):
                symbol = scope.lookup(target.name)
                if symbol is None:
                    self.unknown(target, scope)
                elif symbol.kind not in ("var", "param"):
                    self.refuse_reassign(target.span, symbol, f"update `{target.name}` with `{stmt.op}`")
                else:
                    target.symbol = symbol
            else:
                self.expr(target, scope)
        elif kind is ast.FnDecl:
            self.function(stmt.fn, scope)
        elif kind is ast.Return:
            if self.value_depth[-1] > 0:
                self.reporter.error(
                    stmt.span,
                    "`return` inside an `if` or `match` used as a value: expected the branch's value as its last expression",
                )
            if stmt.value is not None:
                self.expr(stmt.value, scope)
        elif kind is ast.Throw:
            self.expr(stmt.value, scope)
        elif kind is ast.If:
            for cond, body in stmt.branches:
                self.expr(cond, scope)
                self.block(body, scope)
            if stmt.orelse is not None:
                self.block(stmt.orelse, scope)
        elif kind is ast.For:
            self.expr(stmt.iterable, scope)
            inner = Scope(scope)
            for target in stmt.targets:
                self.declare_pattern(inner, target, "const")
            self.loop_depth[-1] += 1
            self.block(stmt.body, inner)
            self.loop_depth[-1] -= 1
        elif kind is ast.While:
            self.expr(stmt.cond, scope)
            self.loop_depth[-1] += 1
            self.block(stmt.body, scope)
            self.loop_depth[-1] -= 1
        elif kind in (ast.Break, ast.Continue):
            if self.loop_depth[-1] == 0:
                word = "break" if kind is ast.Break else "continue"
                where = "inside an `if` or `match` used as a value" if self.value_depth[-1] > 0 else "outside a loop"
                self.reporter.error(stmt.span, f"`{word}` {where}: expected it directly inside `for` or `while`")
        elif kind is ast.Try:
            self.block(stmt.body, scope)
            if stmt.catch_body is not None:
                inner = Scope(scope)
                if stmt.catch_name:
                    stmt.catch_symbol = self.declare(inner, stmt.catch_name, "const", stmt.span)
                self.block(stmt.catch_body, inner)
            if stmt.finally_body is not None:
                self.block(stmt.finally_body, scope)
        elif kind is ast.MatchStmt:
            self.match(stmt.match, scope)

    def let(self, stmt: ast.Let, scope: Scope) -> None:
        self.expr(stmt.value, scope)
        target = stmt.target
        if not stmt.mutable and isinstance(target, ast.NamePattern):
            symbol = scope.lookup(target.name)
            if symbol is not None and symbol.kind in ("var", "param"):
                stmt.reassign = True
                target.symbol = symbol
                return
            if symbol is not None and symbol.kind not in ("global", "builtin"):
                self.refuse_reassign(target.span, symbol)
                target.symbol = symbol
                return
        if not stmt.mutable:
            # `{ a, b } = e` and `[a, b] = e` declare; over a visible name they would shadow it unseen
            for name_pattern in pattern_names(target):
                symbol = scope.lookup(name_pattern.name)
                if symbol is None or symbol.kind in ("global", "builtin") or name_pattern.name in scope.symbols:
                    continue
                if symbol.kind in ("var", "param"):
                    self.reporter.error(
                        name_pattern.span,
                        f"cannot update `{symbol.name}` by destructuring{symbol.where()}: expected `{symbol.name} = ...` on its own line",
                    )
                else:
                    self.refuse_reassign(name_pattern.span, symbol, f"bind `{symbol.name}` again by destructuring")
        self.declare_pattern(scope, target, "var" if stmt.mutable else "const")

    def function(self, fn: ast.Lambda, scope: Scope) -> None:
        inner = Scope(scope, function=True)
        for param in fn.params:
            if param.default is not None:
                self.expr(param.default, scope)
            self.declare_pattern(inner, param.target, "param")
        self.fn_stack.append(fn)
        self.loop_depth.append(0)
        self.value_depth.append(0)
        self.hoist(fn.body.body, inner)
        for stmt in fn.body.body:
            self.stmt(stmt, inner)
        self.value_depth.pop()
        self.loop_depth.pop()
        self.fn_stack.pop()

    # ── expressions ─────────────────────────────────────────────────────────────────────────────
    def expr(self, node, scope: Scope) -> None:
        kind = type(node)
        if kind is ast.Name:
            symbol = scope.lookup(node.name)
            if symbol is None:
                self.unknown(node, scope)
            else:
                node.symbol = symbol
                if self.uses is not None:
                    self.uses.add(symbol)
        elif kind in (ast.Number, ast.Bool, ast.Nil):
            return
        elif kind is ast.String:
            for part in node.parts:
                if not isinstance(part, str):
                    self.expr(part, scope)
        elif kind is ast.Array:
            for item in node.items:
                self.expr(item.value if isinstance(item, ast.Spread) else item, scope)
        elif kind is ast.Object:
            for prop in node.props:
                if prop.computed is not None:
                    self.expr(prop.computed, scope)
                self.expr(prop.value, scope)
        elif kind is ast.Member:
            self.expr(node.obj, scope)
        elif kind is ast.Index:
            self.expr(node.obj, scope)
            self.expr(node.index, scope)
        elif kind in (ast.Call, ast.New):
            self.expr(node.callee, scope)
            for arg in node.args:
                self.expr(arg.value if isinstance(arg, ast.Spread) else arg, scope)
            if kind is ast.Call:
                self.check_type_call(node)
        elif kind is ast.Unary:
            self.expr(node.operand, scope)
        elif kind is ast.Binary:
            # a long flat chain (`1 + 1 + ...`) leans left: walk its spine in a loop, not recursively
            rights = []
            while type(node) is ast.Binary:
                rights.append(node.right)
                node = node.left
            self.expr(node, scope)
            for right in reversed(rights):
                self.expr(right, scope)
        elif kind is ast.Pipe:
            self.expr(node.value, scope)
            target = node.target
            if type(target) is ast.MethodPipe:
                for arg in target.args:
                    self.expr(arg.value if isinstance(arg, ast.Spread) else arg, scope)
            elif type(target) is ast.Call:
                # `_` marks where the piped value goes: not a variable
                self.expr(target.callee, scope)
                for arg in target.args:
                    if not (type(arg) is ast.Name and arg.name == "_"):
                        self.expr(arg.value if isinstance(arg, ast.Spread) else arg, scope)
            else:
                self.expr(target, scope)
        elif kind is ast.Range:
            self.expr(node.start, scope)
            self.expr(node.end, scope)
        elif kind is ast.Compare:
            for operand in node.operands:
                self.expr(operand, scope)
        elif kind is ast.IsType:
            self.expr(node.value, scope)
        elif kind is ast.Slice:
            self.expr(node.obj, scope)
            for part in (node.start, node.stop, node.step):
                if part is not None:
                    self.expr(part, scope)
        elif kind is ast.Comprehension:
            self.expr(node.iterable, scope)
            inner = Scope(scope)
            for target in node.targets:
                self.declare_pattern(inner, target, "const")
            if node.cond is not None:
                self.expr(node.cond, inner)
            self.expr(node.value, inner)
        elif kind is ast.Await:
            fn = self.fn_stack[-1] if self.fn_stack else None
            if fn is None:
                self.reporter.error(node.span, "`await` outside a function: expected it inside `fn`, a handler or a schedule")
            else:
                fn.is_async = True
            self.expr(node.value, scope)
        elif kind is ast.Lambda:
            self.function(node, scope)
        elif kind is ast.IfExpr:
            self.enter_value()
            try:
                for cond, body in node.branches:
                    self.expr(cond, scope)
                    self.block(body, scope)
                if node.orelse is not None:
                    self.block(node.orelse, scope)
            finally:
                self.leave_value()
        elif kind is ast.Match:
            self.enter_value()
            try:
                self.match(node, scope)
            finally:
                self.leave_value()

    def enter_value(self) -> None:
        self.value_depth[-1] += 1
        self.loop_depth.append(0)

    def leave_value(self) -> None:
        self.value_depth[-1] -= 1
        self.loop_depth.pop()

    def match(self, node: ast.Match, scope: Scope) -> None:
        self.expr(node.subject, scope)
        for arm in node.arms:
            inner = Scope(scope)
            names = [p for p in arm.patterns if isinstance(p, ast.Name)]
            names += [p.rest for p in arm.patterns if isinstance(p, ast.PrefixPattern) and p.rest is not None]
            if names and len(arm.patterns) > 1:
                self.reporter.error(names[0].span, "a name pattern binds the value: expected literals only when arms are joined with `|`")
            for pattern in names:
                pattern.symbol = self.declare(inner, pattern.name, "const", pattern.span)
            if arm.guard is not None:
                self.expr(arm.guard, inner)
            self.block(arm.body, inner)

    def check_type_call(self, node: ast.Call) -> None:
        callee = node.callee
        symbol = getattr(callee, "symbol", None)
        if symbol is None or symbol.kind != "type" or any(isinstance(a, ast.Spread) for a in node.args):
            return
        fields = symbol.decl.fields
        if len(node.args) != len(fields):
            listing = ", ".join(f.name for f in fields)
            self.reporter.error(
                node.span,
                f"`{callee.name}` takes {len(fields)} argument{'s' if len(fields) != 1 else ''} ({listing}): expected {len(fields)}, found {len(node.args)}",
            )
