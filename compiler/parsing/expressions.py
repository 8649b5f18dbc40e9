"""Expressions: operators by precedence, postfix calls/members/indexes/slices, and the primaries.

Precedence, loosest first, as docs/reference/operators.md of upstream Tova gives it: `|>`, `??`, `or`,
`and`, `not`, comparisons (chainable), `in`/`not in`/`is`/`is not`, ranges, `+ - ++`, `* / %`, `**`,
unary. Left-associative chains are read in a loop, so `1 + 1 + ...` of any length never recurses.
"""

from __future__ import annotations

from compiler import ast
from compiler.lexer import Token, tokenize

COMPARISON = ("==", "!=", "<", "<=", ">", ">=")
COMPARISON_PREC = 5
MEMBERSHIP_PREC = 6  # in, not in, is, is not
RANGE_PREC = 7
NOT_PREC = 4

# token -> (precedence, AST operator)
BINARY = {
    "??": (1, "??"),
    "or": (2, "or"), "||": (2, "or"),
    "and": (3, "and"), "&&": (3, "and"),
    **{op: (COMPARISON_PREC, op) for op in COMPARISON},
    "in": (MEMBERSHIP_PREC, "in"),
    "..": (RANGE_PREC, ".."), "..=": (RANGE_PREC, "..="),
    "+": (8, "+"), "-": (8, "-"), "++": (8, "++"),
    "*": (9, "*"), "/": (9, "/"), "%": (9, "%"),
}
# what a statement or closing bracket looks like: `x++` then one of these is JavaScript's increment
STATEMENT_END = ("NEWLINE", "EOF")
POSTFIX = frozenset(("(", ".", "?.", "["))
IS_TYPES = ("String", "Int", "Float", "Number", "Bool", "Nil", "List", "Array", "Object", "Function")


def placeholders(call: ast.Call) -> list[ast.Name]:
    return [arg for arg in call.args if isinstance(arg, ast.Name) and arg.name == "_"]


class Expressions:
    """Mixed into the Parser."""

    def parse_expr(self):
        self.nested()
        try:
            return self.parse_pipe()
        finally:
            self.depth -= 1

    def parse_pipe(self):
        left = self.parse_binary()
        while self.tok.is_op("|>") or self.continues_on_next_line("|>"):
            self.skip_newlines()
            self.advance()
            self.skip_newlines()
            if self.tok.is_op("."):
                target = self.parse_method_pipe()
            else:
                target = self.parse_binary()
                if not isinstance(target, (ast.Name, ast.Member, ast.Call, ast.Lambda, ast.Index)):
                    raise self.fail(target.span, "expected a function, a call or `.method()` after `|>`")
                if isinstance(target, ast.Call) and len(placeholders(target)) > 1:
                    raise self.fail(placeholders(target)[1].span, "expected one `_` placeholder in a piped call: the value is passed once")
            left = ast.Pipe(left.span.to(target.span), left, target)
        return left

    def parse_method_pipe(self) -> ast.MethodPipe:
        dot = self.advance()
        if self.tok.kind not in ("IDENT", "KEYWORD"):
            raise self.fail_here("a method name after `|> .`")
        name = self.advance()
        if not self.tok.is_op("("):
            raise self.fail_here(f"`(` to call `.{name.value}` on the piped value (`|> .{name.value}()`)")
        args, end = self.parse_args()
        return ast.MethodPipe(dot.span.to(end), name.value, args)

    def binary_entry(self, token: Token):
        kind = token.kind
        if kind == "OP":
            return BINARY.get(token.value)
        if kind == "KEYWORD":
            if token.value == "not":
                return (MEMBERSHIP_PREC, "not in") if self.peek().is_kw("in") else None
            return BINARY.get(token.value)
        if kind == "IDENT" and token.value == "is":  # not reserved: `is` stays usable as a name
            return (MEMBERSHIP_PREC, "is")
        return None

    def parse_binary(self, min_prec: int = 1):
        """Precedence climbing: one loop per level actually used, not one call per level."""
        token = self.tok
        if token.kind == "KEYWORD" and token.value == "not":
            self.advance()
            operand = self.parse_binary(NOT_PREC)
            left = ast.Unary(token.span.to(operand.span), "not", operand)
        else:
            left = self.parse_power()
        while True:
            token = self.tok
            entry = self.binary_entry(token)
            if entry is None or entry[0] < min_prec:
                return left
            prec, op = entry
            self.advance()
            if op == "not in":
                self.advance()
            if op in ("==", "!=") and self.tok.is_op("=") and self.tok.span.start == token.span.end:
                raise self.fail(token.span.to(self.tok.span), f"`{op}=` is JavaScript: expected `{op}`, which is already strict in Tova")
            if op == "++" and (self.tok.kind in STATEMENT_END or self.tok.is_op(")", "]", "}", ";", ",")):
                raise self.fail(token.span, "`x++` is JavaScript: expected `x += 1` (in Tova `++` joins two strings)")
            self.skip_newlines()
            if op == "is":
                left = self.parse_is(left, token)
            elif prec == COMPARISON_PREC:
                left = self.parse_comparison(left, op)
            else:
                right = self.parse_binary(prec + 1)
                if prec == RANGE_PREC:
                    left = ast.Range(left.span.to(right.span), left, right, op == "..=")
                else:
                    left = ast.Binary(left.span.to(right.span), op, left, right)
            if prec in (MEMBERSHIP_PREC, RANGE_PREC):
                following = self.binary_entry(self.tok)
                if following is not None and following[0] == prec:
                    raise self.fail(self.tok.span, f"`{self.tok.value}` after `{op}` needs parentheses: expected `(a {op} b) {self.tok.value} c`")

    def parse_comparison(self, left, op: str):
        operands = [left, self.parse_binary(COMPARISON_PREC + 1)]
        ops = [op]
        while self.tok.kind == "OP" and self.tok.value in COMPARISON:
            ops.append(self.advance().value)
            self.skip_newlines()
            operands.append(self.parse_binary(COMPARISON_PREC + 1))
        span = left.span.to(operands[-1].span)
        if len(ops) == 1:
            return ast.Binary(span, op, left, operands[1])
        return ast.Compare(span, operands, ops)

    def parse_is(self, left, token: Token) -> ast.IsType:
        negated = False
        if self.tok.is_kw("not"):
            self.advance()
            negated = True
        type_token = self.tok
        name = "Nil" if type_token.is_kw("nil") else type_token.value if type_token.kind == "IDENT" else None
        if name not in IS_TYPES:
            raise self.fail_here(f"a type after `is` ({', '.join(IS_TYPES)})")
        self.advance()
        return ast.IsType(left.span.to(type_token.span), left, name, negated)

    def parse_power(self):
        base = self.parse_unary()
        if self.tok.is_op("**"):
            self.advance()
            self.skip_newlines()
            exponent = self.parse_power()  # right-associative
            return ast.Binary(base.span.to(exponent.span), "**", base, exponent)
        return base

    def parse_unary(self):
        token = self.tok
        if token.is_op("-", "+", "!"):
            self.advance()
            operand = self.parse_unary()
            if token.value == "-" and isinstance(operand, ast.Number):
                return ast.Number(token.span.to(operand.span), -operand.value, "-" + operand.raw)
            return ast.Unary(token.span.to(operand.span), "not" if token.value == "!" else token.value, operand)
        if token.is_op("++"):
            raise self.fail(token.span, "`++x` is JavaScript: expected `x += 1` (in Tova `++` joins two strings)")
        if token.is_kw("await"):
            self.advance()
            operand = self.parse_unary()
            return ast.Await(token.span.to(operand.span), operand)
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, expr):
        while True:
            token = self.tok
            kind = token.kind
            # most primaries are followed by something else: leave at once (this loop runs per operand)
            if kind != "NEWLINE" and (kind != "OP" or token.value not in POSTFIX):
                return expr
            if token.is_op("("):
                args, end = self.parse_args()
                expr = ast.Call(expr.span.to(end), expr, args)
            elif token.is_op(".") or token.is_op("?.") or self.continues_on_next_line(".", "?."):
                self.skip_newlines()
                dot = self.advance()
                optional = dot.value == "?."
                if optional and self.tok.is_op("["):
                    self.advance()
                    index = self.parse_expr()
                    end = self.expect_op("]", "`]` to close the index")
                    expr = ast.Index(expr.span.to(end.span), expr, index, True)
                    continue
                if self.tok.kind not in ("IDENT", "KEYWORD"):
                    raise self.fail_here(f"a property name after `{dot.value}`")
                name = self.advance()
                if name.value == "new" and not optional and self.tok.is_op("("):
                    args, end = self.parse_args()
                    expr = ast.New(expr.span.to(end), expr, args)
                else:
                    expr = ast.Member(expr.span.to(name.span), expr, name.value, optional)
            elif token.is_op("[") and token.span.start == self.tokens[self.pos - 1].span.end:
                # `a[0]` and `(a ++ b)[0]` index (the `[` touches what precedes it); `a [0]` is a list after a name
                expr = self.parse_subscript(expr)
            else:
                return expr

    def parse_subscript(self, obj):
        """`obj[i]`, or a slice `obj[a:b]`, `obj[a:b:c]`, `obj[::2]` with any part left out."""
        self.advance()
        parts = [None, None, None]
        slot = 0
        while True:
            if not self.tok.is_op(":", "]"):
                parts[slot] = self.parse_expr()
            if self.tok.is_op("]"):
                break
            if not self.tok.is_op(":") or slot == 2:
                raise self.fail_here("`]` to close the index" if slot == 0 else "`]` to close the slice")
            self.advance()
            slot += 1
        end = self.advance()
        if slot == 0:
            if parts[0] is None:
                raise self.fail(end.span, "expected an index inside `[]`")
            return ast.Index(obj.span.to(end.span), obj, parts[0], False)
        return ast.Slice(obj.span.to(end.span), obj, *parts)

    def parse_args(self):
        open_paren = self.advance()
        args: list = []
        while not self.tok.is_op(")"):
            if self.tok.kind == "EOF":
                raise self.fail(open_paren.span, "unclosed `(`: expected a matching `)` before the end of the file")
            if self.tok.is_op("..."):
                start = self.advance()
                value = self.parse_expr()
                args.append(ast.Spread(start.span.to(value.span), value))
            else:
                args.append(self.parse_expr())
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(")"):
                raise self.fail_here("`,` or `)` in the argument list")
        end = self.advance()
        return args, end.span

    def parse_primary(self):
        token = self.tok
        kind = token.kind
        if kind == "NUMBER":
            self.advance()
            return ast.Number(token.span, token.number, token.value)
        if kind == "STRING":
            self.advance()
            return self.string_node(token)
        if kind == "IDENT":
            self.advance()
            return ast.Name(token.span, token.value)
        if kind == "KEYWORD":
            word = token.value
            if word in ("true", "false"):
                self.advance()
                return ast.Bool(token.span, word == "true")
            if word == "nil":
                self.advance()
                return ast.Nil(token.span)
            if word == "fn":
                self.advance()
                name = self.advance().value if self.tok.kind == "IDENT" else None
                return self.parse_fn_rest(token.span, False, name)
            if word == "async" and self.peek().is_kw("fn"):
                self.advance()
                self.advance()
                name = self.advance().value if self.tok.kind == "IDENT" else None
                return self.parse_fn_rest(token.span, True, name)
            if word == "if":
                return self.parse_if()
            if word == "match":
                return self.parse_match()
        if kind == "OP":
            if token.value == "(":
                self.advance()
                self.skip_newlines()
                expr = self.parse_expr()
                self.skip_newlines()
                if self.tok.is_op(","):
                    raise self.fail(self.tok.span, "tuples are not supported: expected a list `[a, b]`")
                self.expect_op(")", "`)` to close the parenthesis")
                return expr
            if token.value == "[":
                return self.parse_array()
            if token.value == "{":
                return self.parse_object()
            if token.value == "/":
                raise self.fail(token.span, 'regular expression literals `/.../` are not supported: expected `RegExp.new("...")`')
        hint = None
        if kind == "KEYWORD":
            hint = f"`{token.value}` is a keyword and cannot be used as a value here"
        raise self.fail_here("an expression", hint)

    def string_node(self, token: Token) -> ast.String:
        parts: list = []
        for part in token.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            start, end = part
            inner_tokens = tokenize(self.source, self.reporter, start, end)
            inner = type(self)(self.source, self.reporter, inner_tokens)
            inner.depth = self.depth
            inner.skip_newlines()
            if inner.tok.kind == "EOF":
                raise self.fail(self.source.span(start - 1, end + 1), "empty interpolation `{}`: expected an expression (write `\\{` for a literal brace)")
            expr = inner.parse_expr()
            inner.skip_newlines()
            if inner.tok.kind != "EOF":
                raise inner.fail_here("the end of the interpolation `}`")
            parts.append(expr)
        return ast.String(token.span, parts)

    def parse_array(self):
        open_bracket = self.advance()
        items: list = []
        while not self.tok.is_op("]"):
            if self.tok.kind == "EOF":
                raise self.fail(open_bracket.span, "unclosed `[`: expected a matching `]` before the end of the file")
            if self.tok.is_op("..."):
                start = self.advance()
                value = self.parse_expr()
                items.append(ast.Spread(start.span.to(value.span), value))
            else:
                items.append(self.parse_expr())
                if not items[1:] and self.tok.is_kw("for"):
                    return self.parse_comprehension(open_bracket, items[0])
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op("]"):
                raise self.fail_here("`,` or `]` in the list")
        end = self.advance()
        return ast.Array(open_bracket.span.to(end.span), items)

    def parse_comprehension(self, open_bracket: Token, value) -> ast.Comprehension:
        self.advance()  # for
        targets = [self.parse_pattern("a loop variable after `for`")]
        if self.tok.is_op(","):
            self.advance()
            targets.append(self.parse_pattern("a second loop variable after `,`"))
        if not self.tok.is_kw("in"):
            raise self.fail_here("`in` after the loop variable (`[x * 2 for x in items]`)")
        self.advance()
        iterable = self.parse_expr()
        cond = None
        if self.tok.is_kw("if"):
            self.advance()
            cond = self.parse_expr()
        end = self.expect_op("]", "`]` to close the list comprehension")
        return ast.Comprehension(open_bracket.span.to(end.span), value, targets, iterable, cond)

    def looks_like_object(self) -> bool:
        """After `=>`: is this `{` an object literal (`{ a: 1 }`, `{ ...x }`) rather than a block?"""
        pos = self.pos + 1
        while self.tokens[pos].kind == "NEWLINE":
            pos += 1
        first, second = self.tokens[pos], self.tokens[pos + 1] if pos + 1 < len(self.tokens) else self.tokens[-1]
        if first.is_op("..."):
            return True
        return first.kind in ("IDENT", "STRING", "KEYWORD") and second.is_op(":", ",")

    def parse_object(self) -> ast.Object:
        open_brace = self.advance()
        props: list[ast.Property] = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            token = self.tok
            if token.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{`: expected a matching `}` before the end of the file")
            if token.is_op("..."):
                self.advance()
                value = self.parse_expr()
                props.append(ast.Property(token.span.to(value.span), None, value, spread=True))
            elif token.is_op("["):
                self.advance()
                key_expr = self.parse_expr()
                self.expect_op("]", "`]` to close the computed key")
                self.expect_op(":", "`:` and a value after the computed key")
                self.skip_newlines()
                value = self.parse_expr()
                props.append(ast.Property(token.span.to(value.span), None, value, computed=key_expr))
            elif token.kind in ("IDENT", "KEYWORD", "STRING", "NUMBER"):
                self.advance()
                if token.kind == "STRING":
                    if any(not isinstance(p, str) for p in token.parts):
                        raise self.fail(token.span, "expected a plain string as an object key; use `[\"...{x}\"]: value` for a computed key")
                    key = self.string_value(token)
                else:
                    key = token.value
                if self.tok.is_op(":"):
                    self.advance()
                    self.skip_newlines()
                    value = self.parse_expr()
                    props.append(ast.Property(token.span.to(value.span), key, value))
                elif token.kind == "IDENT":
                    props.append(ast.Property(token.span, key, ast.Name(token.span, key), shorthand=True))
                else:
                    raise self.fail_here(f"`:` and a value after the key {token.describe()}")
            else:
                raise self.fail_here("a key (`name: value`), a name or `...spread` in the object")
            if self.tok.is_kw("for"):
                raise self.fail(self.tok.span, "object comprehensions are not supported: expected `Object.fromEntries([[key, value] for x in items])`")
            if self.tok.is_op(","):
                self.advance()
            elif not (self.tok.kind == "NEWLINE" or self.tok.is_op("}")):
                raise self.fail_here("`,`, a new line or `}` in the object")
            self.skip_newlines()
        end = self.advance()
        return ast.Object(open_brace.span.to(end.span), props)
