"""Parsing of `edge "name" { ... }` blocks: bindings, config, routes, schedules, consumers.

Edge statement words (`kv`, `route`, `health` ...) are not reserved: they are only special at the start
of a statement directly inside an edge block, so user code may still name a variable `route`.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import ParseError

BINDING_KINDS = ("kv", "sql", "storage", "queue", "ai")
EDGE_WORDS = (
    "target", "kv", "sql", "storage", "queue", "ai", "env", "secret", "cors", "health", "on_error",
    "middleware", "route", "schedule", "consume", "fn", "NAME = value", "var NAME = value",
)
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


def did_you_mean(word: str, choices) -> str | None:
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


class EdgeStatements:
    """Mixed into the Parser: everything between the braces of an edge block."""

    def parse_edge_block(self) -> ast.EdgeBlock:
        start = self.advance().span  # edge
        name = None
        if self.tok.kind == "STRING":
            name_token = self.expect_string("the edge block's name")
            name = self.string_value(name_token)
        open_brace = self.open_brace("`{` to start the edge block (`edge \"api\" { ... }`)")
        body: list = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{` of this edge block: expected a matching `}` before the end of the file")
            if self.too_many_errors():
                break
            try:
                stmt = self.parse_edge_statement()
                if stmt is not None:
                    body.append(stmt)
                self.end_statement()
            except ParseError:
                self.synchronize()
            self.skip_newlines()
        end = self.advance() if self.tok.is_op("}") else self.tok
        return ast.EdgeBlock(start.to(end.span), name, body)

    def parse_edge_statement(self):
        token = self.tok
        if token.is_kw("fn") or (token.is_kw("async") and self.peek().is_kw("fn")):
            return self.parse_fn_decl()
        if token.is_kw("var") or (token.kind == "IDENT" and self.peek().is_op("=")):
            # block-level constants and state (`FLAGS = {...}`, `var events = []`), module-scoped
            return self.parse_statement()
        if token.kind != "IDENT":
            if token.is_op("}"):
                return None
            raise self.fail_here(f"an edge statement ({', '.join(EDGE_WORDS)})")
        word = token.value
        if word == "target" and self.peek().is_op(":"):
            self.advance()
            self.advance()
            value = self.expect_string('the deploy target (`target: "cloudflare"`)')
            return ast.Target(token.span.to(value.span), self.string_value(value))
        if word in BINDING_KINDS:
            return self.parse_binding()
        if word == "env":
            self.advance()
            name = self.expect_ident("the variable's name after `env` (`env NAME = \"default\"`)")
            default = None
            if self.tok.is_op("="):
                self.advance()
                default = self.parse_expr()
            return ast.EnvVar(token.span.to(name.span), name.value, default)
        if word == "secret":
            self.advance()
            name = self.expect_ident("the secret's name after `secret`")
            return ast.Secret(token.span.to(name.span), name.value)
        if word == "cors":
            self.advance()
            if not self.tok.is_op("{"):
                raise self.fail_here("`{ origins: [...], methods: [...] }` after `cors`")
            entries = self.parse_config_block("cors")
            return ast.Cors(token.span, entries)
        if word == "health":
            return self.parse_health()
        if word == "on_error":
            self.advance()
            handler = self.parse_handler_fn("`fn(err, req) { ... }` after `on_error`")
            return ast.OnError(token.span.to(handler.span), handler)
        if word == "middleware":
            self.advance()
            handler = self.parse_handler_fn("`fn name(req, next) { ... }` after `middleware`")
            return ast.Middleware(token.span.to(handler.span), handler)
        if word == "route":
            return self.parse_route()
        if word == "schedule":
            return self.parse_schedule()
        if word == "consume":
            return self.parse_consume()
        nxt = self.peek()
        if nxt.kind == "IDENT" and nxt.span.line == token.span.line and nxt.value[:1].isupper():
            raise self.fail(
                token.span,
                f"unknown binding kind `{word}`: expected one of {', '.join(BINDING_KINDS)}",
                did_you_mean(word, BINDING_KINDS + ("env", "secret")),
            )
        raise self.fail(
            token.span,
            f"expected an edge statement ({', '.join(EDGE_WORDS)}), found `{word}`",
            did_you_mean(word, EDGE_WORDS),
        )

    def parse_binding(self) -> ast.Binding:
        kind = self.advance()
        name = self.expect_ident(f"a binding name after `{kind.value}` (`{kind.value} NAME`)")
        config: list[ast.ConfigEntry] = []
        end = name.span
        if self.tok.is_op("{"):
            end = self.tok.span
            config = self.parse_config_block(f"{kind.value} {name.value}")
        return ast.Binding(kind.span.to(end), kind.value, name.value, name.span, config)

    def parse_config_block(self, owner: str) -> list[ast.ConfigEntry]:
        obj = self.parse_object()
        entries = []
        for prop in obj.props:
            if prop.key is None:
                raise self.fail(prop.span, f"expected `key: value` in the config of `{owner}`")
            entries.append(ast.ConfigEntry(prop.span, prop.key, prop.value))
        return entries

    def parse_handler_fn(self, expected: str) -> ast.Lambda:
        start = self.tok.span
        is_async = False
        if self.tok.is_kw("async") and self.peek().is_kw("fn"):
            self.advance()
            is_async = True
        if not self.tok.is_kw("fn"):
            raise self.fail_here(expected)
        self.advance()
        name = self.advance().value if self.tok.kind == "IDENT" else None
        return self.parse_fn_rest(start, is_async, name)

    def parse_handler(self, expected: str):
        """A handler is an inline `fn(...) { ... }` or the name of a function declared elsewhere."""
        if self.tok.kind == "IDENT":
            token = self.advance()
            return ast.Name(token.span, token.value)
        return self.parse_handler_fn(expected)

    def parse_health(self) -> ast.Health:
        start = self.advance().span
        path = self.expect_string('the health path (`health "/healthz"`)')
        checks: list = []
        end = path.span
        if self.tok.is_op("{"):
            open_brace = self.advance()
            self.skip_newlines()
            while not self.tok.is_op("}"):
                if self.tok.kind == "EOF":
                    raise self.fail(open_brace.span, "unclosed `{` of `health`: expected `}` before the end of the file")
                check = self.expect_ident("a health check name (`check_memory`)")
                checks.append((check.value, check.span))
                if self.tok.is_op(","):
                    self.advance()
                self.skip_newlines()
            end = self.advance().span
        return ast.Health(start.to(end), self.string_value(path), checks)

    def parse_route(self) -> ast.Route:
        start = self.advance().span
        method = self.tok
        if method.kind != "IDENT" or method.value.upper() not in HTTP_METHODS:
            raise self.fail_here(f"an HTTP method after `route` ({', '.join(HTTP_METHODS)})")
        if method.value not in HTTP_METHODS:
            raise self.fail(method.span, f"expected the HTTP method in capitals (`{method.value.upper()}`), found `{method.value}`")
        self.advance()
        path = self.expect_string('the route path after the method (`route GET "/items/:id" => ...`)')
        if not self.tok.is_op("=>"):
            raise self.fail_here("`=>` and a handler after the route path", 'write `route GET "/path" => fn(req, params) { ... }`')
        self.advance()
        if self.tok.kind in ("NEWLINE", "EOF") or self.tok.is_op("}"):
            raise self.fail_here("a handler after `=>` (`fn(req, params) { ... }` or a function name)")
        handler = self.parse_handler("a handler after `=>` (`fn(req, params) { ... }` or a function name)")
        return ast.Route(
            start.to(handler.span), method.value, method.span, self.string_value(path), path.span, handler
        )

    def parse_schedule(self) -> ast.Schedule:
        start = self.advance().span
        name = self.expect_string('the schedule\'s name (`schedule "daily" cron("0 9 * * *") { ... }`)')
        cron_word = self.tok
        if not (cron_word.kind == "IDENT" and cron_word.value == "cron"):
            raise self.fail_here('`cron("m h dom mon dow")` after the schedule\'s name')
        self.advance()
        self.expect_op("(", '`(` after `cron`')
        cron = self.expect_string('a cron expression in quotes (`cron("0 9 * * *")`)')
        self.expect_op(")", "`)` to close `cron(...)`")
        if self.tok.is_op("{"):
            body = self.parse_block("the body of the schedule")
            handler = ast.Lambda(body.span, [], body, True, None)
        else:
            handler = self.parse_handler_fn("`{ ... }` with the schedule's code")
        return ast.Schedule(
            start.to(handler.span), self.string_value(name), self.string_value(cron), cron.span, handler
        )

    def parse_consume(self) -> ast.Consume:
        start = self.advance().span
        queue = self.expect_ident("the queue binding's name after `consume` (`consume JOBS fn(messages) { ... }`)")
        config: list[ast.ConfigEntry] = []
        if self.tok.is_op("{"):
            config = self.parse_config_block(f"consume {queue.value}")
        if self.tok.kind in ("NEWLINE", "EOF"):
            raise self.fail_here("a handler `fn(messages) { ... }` after the queue name")
        handler = self.parse_handler("a handler `fn(messages) { ... }` after the queue name")
        return ast.Consume(start.to(handler.span), queue.value, queue.span, config, handler)
