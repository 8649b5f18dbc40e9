"""The `security { }` block on edge: what each statement means here, checked, as the data the runtime's
compiler/js/15_security.js enforces (JWT auth, roles, protected paths, sensitive fields, CSP, HSTS).

Parts of upstream Tova's security block this compiler does not build (rate limits, CSRF, audit logs,
API-key auth, cookie storage, trust_proxy) are refused by name: a security setting that is accepted
and then silently not enforced is the worst kind of miscompile.
"""

from __future__ import annotations

import re

from compiler import ast
from compiler.diagnostics import Reporter
from compiler.parsing.edge import did_you_mean
from compiler.resolve.literals import literal

NOT_BUILT = {
    "rate_limit": "rate limiting is not built on edge: expected a Cloudflare rate limiting rule for the route",
    "csrf": "CSRF protection is not built on edge (the worker reads bearer tokens, which a cross-site form cannot send)",
    "audit": "audit logs are not built on edge: expected your own writes to a `sql` binding",
    "trust_proxy": "`trust_proxy` does not apply on Cloudflare: the client address is in the `CF-Connecting-IP` header",
}
AUTH_KEYS = ("secret", "expires")
CSP_DIRECTIVES = re.compile(r"^[a-z]+(_[a-z]+)*$")
CSP_KEYWORDS = ("self", "none", "unsafe-inline", "unsafe-eval", "strict-dynamic", "unsafe-hashes", "report-sample", "wasm-unsafe-eval")


def glob_regex(pattern: str) -> str:
    """A protect pattern as a regex. `*` and `**` both match across segments: upstream Tova's docs say
    `*` stays in one segment, but its own examples protect "/api/admin/*" and define routes such as
    "/api/admin/flags/:flag" below it, which a one-segment `*` would leave open. Failing closed wins."""
    parts = re.split(r"\*+", pattern)
    return "^" + ".*".join(re.escape(part) for part in parts) + "$"


class SecurityChecker:
    def __init__(self, reporter: Reporter, types: list[ast.TypeDecl]) -> None:
        self.reporter = reporter
        self.types = {t.name: t for t in types}
        self.config: dict = {"auth": None, "roles": {}, "protect": [], "sensitive": {}, "headers": {}}
        self.secrets: list[str] = []
        self.cors: ast.Cors | None = None

    def error(self, span, message: str, hint: str | None = None) -> None:
        self.reporter.error(span, message, hint)

    def check(self, blocks: list[ast.Security]) -> dict | None:
        if not blocks:
            return None
        for extra in blocks[1:]:
            self.error(extra.span, f"a second `security` block (the first is at line {blocks[0].span.line}): expected one per program")
        items = blocks[0].items
        for item in items:  # roles first: protect and sensitive name them
            if item.kind == "role":
                self.role(item)
        for item in items:
            if item.kind in NOT_BUILT:
                self.error(item.span, f"`{item.kind}` in `security`: {NOT_BUILT[item.kind]}")
            elif item.kind == "auth":
                self.auth(item)
            elif item.kind == "protect":
                self.protect(item)
            elif item.kind == "sensitive":
                self.sensitive(item)
            elif item.kind == "cors":
                self.cors = ast.Cors(item.span, item.config)
            elif item.kind == "csp":
                self.csp(item)
            elif item.kind == "hsts":
                self.hsts(item)
        needs_auth = self.config["protect"] or self.config["sensitive"]
        if needs_auth and self.config["auth"] is None:
            self.error(blocks[0].span, "`protect` and `sensitive` need to know who is asking: expected `auth jwt { secret: env(\"NAME\") }` in the security block")
        return self.config

    def names(self, value, what: str) -> list[tuple[str, object]]:
        """`[Admin, "self"]` or a single `Admin` -> [(name, span)]."""
        items = value.items if isinstance(value, ast.Array) else [value]
        out = []
        for item in items:
            if isinstance(item, ast.Name):
                out.append((item.name, item.span))
            else:
                ok, text = literal(item)
                if not ok or not isinstance(text, str):
                    self.error(item.span, f"{what}: expected role names (`Admin`) or strings")
                    continue
                out.append((text, item.span))
        return out

    def role_name(self, name: str, span) -> str | None:
        if name in self.config["roles"]:
            return name
        self.error(span, f"unknown role `{name}`: expected a role declared with `role {name} {{ can: [...] }}`", did_you_mean(name, self.config["roles"]))
        return None

    def role(self, item: ast.SecurityItem) -> None:
        if item.name in self.config["roles"]:
            self.error(item.name_span, f"role `{item.name}` is declared twice: expected each role once")
        permissions: list[str] = []
        for entry in item.config:
            if entry.key != "can":
                self.error(entry.span, f"unknown key `{entry.key}` for `role {item.name}`: expected `can: [permission, ...]`")
                continue
            permissions += [name for name, _span in self.names(entry.value, f"`can` of role {item.name}")]
        self.config["roles"][item.name] = permissions

    def auth(self, item: ast.SecurityItem) -> None:
        if item.name != "jwt":
            self.error(item.name_span, f"`auth {item.name}` is not built on edge: expected `auth jwt {{ secret: env(\"NAME\") }}` (HS256 bearer tokens)")
            return
        if self.config["auth"] is not None:
            self.error(item.span, "`auth` is given twice: expected one per security block")
        secret = None
        given = any(entry.key == "secret" for entry in item.config)
        for entry in item.config:
            if entry.key == "storage":
                self.error(entry.span, "`storage` is not built on edge: the worker reads the token from the `Authorization: Bearer` header")
            elif entry.key not in AUTH_KEYS:
                self.error(entry.span, f"unknown key `{entry.key}` for `auth jwt`: expected one of {', '.join(AUTH_KEYS)}", did_you_mean(entry.key, AUTH_KEYS))
            elif entry.key == "secret":
                secret = self.env_name(entry.value)
            elif entry.key == "expires":
                # the lifetime of tokens this service would issue; verification reads each token's own `exp`
                ok, value = literal(entry.value)
                if not ok or isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    self.error(entry.value.span, "`expires`: expected a whole number of seconds")
        if secret is None:
            if not given:
                self.error(item.span, '`auth jwt` needs the key that signs tokens: expected `secret: env("JWT_SECRET")`')
            return
        self.config["auth"] = {"kind": "jwt", "secret": secret}
        if secret not in self.secrets:
            self.secrets.append(secret)

    def env_name(self, value) -> str | None:
        if (
            isinstance(value, ast.Call) and isinstance(value.callee, ast.Name) and value.callee.name == "env"
            and len(value.args) == 1 and isinstance(literal(value.args[0])[1], str)
        ):
            return literal(value.args[0])[1]
        self.error(value.span, 'the JWT secret: expected `env("NAME")` (a secret written in the program would be in the generated module)')
        return None

    def protect(self, item: ast.SecurityItem) -> None:
        if not item.name.startswith("/"):
            self.error(item.name_span, f'protect "{item.name}": expected a path pattern starting with `/`')
            return
        require = None
        for entry in item.config:
            if entry.key == "rate_limit":
                self.error(entry.span, f"`rate_limit` in `protect`: {NOT_BUILT['rate_limit']}")
            elif entry.key != "require":
                self.error(entry.span, f"unknown key `{entry.key}` for `protect`: expected `require: Role` or `require: authenticated`")
            else:
                found = self.names(entry.value, "`require`")
                if len(found) != 1:
                    self.error(entry.value.span, "`require`: expected one role, or `authenticated`")
                    continue
                name, span = found[0]
                require = "authenticated" if name == "authenticated" else self.role_name(name, span)
                if require is None:
                    return
        if require is None:
            self.error(item.span, f'protect "{item.name}": expected `require: Role` or `require: authenticated`')
            return
        self.config["protect"].append({
            "pattern": item.name, "regex": glob_regex(item.name), "role": None if require == "authenticated" else require,
        })

    def sensitive(self, item: ast.SecurityItem) -> None:
        type_name, field = item.name.split(".", 1)
        decl = self.types.get(type_name)
        if decl is None:
            self.error(item.name_span, f"`sensitive {item.name}`: there is no type `{type_name}`", did_you_mean(type_name, self.types))
            return
        if field not in [f.name for f in decl.fields]:
            self.error(item.name_span, f"`sensitive {item.name}`: type `{type_name}` has no field `{field}`", did_you_mean(field, [f.name for f in decl.fields]))
            return
        rule = {"never": False, "roles": [], "self": False}
        for entry in item.config:
            if entry.key == "never_expose":
                ok, value = literal(entry.value)
                if not ok or not isinstance(value, bool):
                    self.error(entry.value.span, "`never_expose`: expected `true` or `false`")
                rule["never"] = value is True
            elif entry.key == "visible_to":
                for name, span in self.names(entry.value, "`visible_to`"):
                    if name == "self":
                        rule["self"] = True
                    elif self.role_name(name, span) is not None:
                        rule["roles"].append(name)
            elif entry.key == "hash":
                self.error(entry.span, "`hash` is not built on edge: expected the value hashed before it is stored (crypto.subtle)")
            else:
                self.error(entry.span, f"unknown key `{entry.key}` for `sensitive`: expected `never_expose` or `visible_to`")
        if not rule["never"] and not rule["roles"] and not rule["self"]:
            rule["never"] = True  # a sensitive field nobody is named to see is seen by nobody
        self.config["sensitive"].setdefault(type_name, {})[field] = rule

    def csp(self, item: ast.SecurityItem) -> None:
        directives = []
        for entry in item.config:
            if not CSP_DIRECTIVES.match(entry.key):
                self.error(entry.span, f"csp directive `{entry.key}`: expected a name such as default_src")
                continue
            sources = [name for name, _span in self.names(entry.value, f"csp `{entry.key}`")]
            quoted = [f"'{s}'" if s in CSP_KEYWORDS else s for s in sources]
            directives.append(f"{entry.key.replace('_', '-')} {' '.join(quoted)}".strip())
        if directives:
            self.config["headers"]["Content-Security-Policy"] = "; ".join(directives)

    def hsts(self, item: ast.SecurityItem) -> None:
        settings = {"max_age": 31536000, "include_subdomains": False, "preload": False}
        for entry in item.config:
            ok, value = literal(entry.value)
            if entry.key not in settings:
                self.error(entry.span, f"unknown key `{entry.key}` for `hsts`: expected one of {', '.join(settings)}", did_you_mean(entry.key, settings))
            elif entry.key == "max_age" and (not ok or isinstance(value, bool) or not isinstance(value, int) or value < 0):
                self.error(entry.value.span, "hsts `max_age`: expected a whole number of seconds")
            elif entry.key != "max_age" and not isinstance(value, bool):
                self.error(entry.value.span, f"hsts `{entry.key}`: expected `true` or `false`")
            else:
                settings[entry.key] = value
        header = f"max-age={settings['max_age']}"
        if settings["include_subdomains"]:
            header += "; includeSubDomains"
        if settings["preload"]:
            header += "; preload"
        self.config["headers"]["Strict-Transport-Security"] = header
