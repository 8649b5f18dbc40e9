"""Edge-level rules and the project model.

Checks what a deploy would otherwise discover late or never: unknown binding config, bad crons
(croniter), duplicate or malformed routes, unknown health checks, consumers of queues no block declares,
and every identifier inside the code (through `scope.Resolver`).
"""

from __future__ import annotations

import re

from compiler import ast, naming
from compiler.diagnostics import Reporter
from compiler.parsing.edge import HTTP_METHODS, did_you_mean
from compiler.resolve.globals import PLATFORM_GLOBALS
from compiler.resolve.literals import literal
from compiler.resolve.security import SecurityChecker
from compiler.resolve.model import BindingInfo, ConsumerInfo, ProjectModel, QueueInfo, WorkerInfo
from compiler.resolve.scope import pattern_names, Resolver, Scope, Symbol, global_scope

BINDING_KIND = {"kv": "kv", "sql": "d1", "storage": "r2", "queue": "queue", "ai": "ai"}
BINDING_CONFIG = {
    "kv": ("id",),
    "sql": ("database", "id"),
    "storage": ("bucket",),
    "queue": ("name",),
    "ai": (),  # Workers AI: one per worker, nothing to name (wrangler's `[ai] binding = "AI"`)
}
# named checks the runtime (compiler/js/50_health.js) implements; every binding is probed regardless
HEALTH_CHECKS = ("check_memory",)
# what the runtime's CORS (compiler/js/10_http.js) applies
CORS_KEYS = ("origins", "methods", "headers", "credentials", "max_age")
# wrangler's consumer settings with the range Cloudflare accepts
CONSUMER_SETTINGS = {
    "max_batch_size": (1, 100),
    "max_batch_timeout": (0, 60),
    "max_retries": (0, 100),
    "retry_delay": (0, 43200),
    "max_concurrency": (1, 250),
    "dead_letter_queue": None,
}
RESERVED_NAMES = (naming.OPS_BINDING, naming.ADMIN_TOKEN_SECRET)
BLOCK_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
QUEUE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ROUTE_SEGMENT = re.compile(r"^(:[A-Za-z_][A-Za-z0-9_]*|\*[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~!$&'()+,;=@%-]*)$")


CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
CRON_ITEM = re.compile(r"^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


def plainly_valid_cron(fields: list[str]) -> bool:
    """True when every field is plain numeric cron (`*`, `n`, `a-b`, `/step`, lists) within range.

    Such expressions are valid for croniter and Cloudflare alike, so the build skips importing croniter
    (its import costs more than compiling the seed); anything else (names, `L`, `W`, `#`, `?`, odd
    ranges) is decided by croniter itself.
    """
    for text, (low, high) in zip(fields, CRON_RANGES):
        for item in text.split(","):
            match = CRON_ITEM.match(item)
            if match is None:
                return False
            _, start, end, step = match.groups()
            if step is not None and int(step) == 0:
                return False
            if start is not None:
                first = int(start)
                last = int(end) if end is not None else first
                if not low <= first <= last <= high:
                    return False
    return True


class ProjectChecker:
    def __init__(self, program: ast.Program, reporter: Reporter, stem: str) -> None:
        self.program = program
        self.reporter = reporter
        self.stem = stem
        self.project = naming.project_name(stem)
        self.resolver = Resolver(reporter)

    def error(self, span, message: str, hint: str | None = None) -> None:
        self.reporter.error(span, message, hint)

    def check(self) -> ProjectModel:
        types: list[ast.TypeDecl] = []
        top_level: list = []
        edges: list[ast.EdgeBlock] = []
        security_blocks: list[ast.Security] = []
        for item in self.program.items:
            if isinstance(item, ast.Shared):
                types.extend(item.types)
            elif isinstance(item, ast.TypeDecl):
                types.append(item)
            elif isinstance(item, ast.EdgeBlock):
                edges.append(item)
            elif isinstance(item, ast.Security):
                security_blocks.append(item)
            else:
                top_level.append(item)
        if not edges:
            self.error(self.program.span, 'expected at least one `edge "name" { ... }` block: there is nothing to build')

        module_scope = Scope(global_scope())
        for decl in types:
            if decl.name in module_scope.symbols:
                self.error(decl.span, f"type `{decl.name}` is declared twice: expected one declaration per type")
                continue
            module_scope.symbols[decl.name] = Symbol(decl.name, "type", self.resolver.js_name(decl.name, module_scope), decl, decl.span)
        self.resolver.hoist(top_level, module_scope)
        self.check_module_names(types, top_level, edges)
        for edge in edges:
            self.resolver.block_only_names.update(
                s.name for s in edge.body if isinstance(s, (ast.Binding, ast.EnvVar, ast.Secret))
            )
        item_uses: dict[int, set] = {}
        for item in top_level:
            self.resolver.uses = set()
            self.resolver.stmt(item, module_scope)
            item_uses[id(item)] = self.resolver.uses
        self.resolver.uses = None
        self.module_symbols = {
            id(symbol): item
            for item in top_level
            for symbol in self.declared_symbols(item)
        }
        self.item_uses = item_uses

        workers = self.collect_workers(edges)
        self.apply_security(security_blocks, types, workers)
        queues = self.collect_queues(workers)
        for worker in workers:
            self.resolve_worker(worker, module_scope)
        migrations_binding = next(
            (b.name for w in workers for b in w.bindings if b.kind == "d1" and b.resource["database_name"] == self.project),
            None,
        )
        return ProjectModel(self.project, self.stem, self.program, types, top_level, workers, queues, migrations_binding)

    def apply_security(self, blocks: list[ast.Security], types: list[ast.TypeDecl], workers: list[WorkerInfo]) -> None:
        """One security block guards every edge block; the secret it reads becomes each worker's secret."""
        checker = SecurityChecker(self.reporter, types)
        config = checker.check(blocks)
        if config is None:
            return
        for worker in workers:
            worker.security = config
            worker.secrets += [name for name in checker.secrets if name not in worker.secrets and name not in worker.env_names]
            if checker.cors is not None and worker.cors is None:
                worker.cors = self.cors_config(checker.cors)

    def check_module_names(self, types, top_level, edges) -> None:
        """Module-level names share the worker module with the runtime, which relies on the platform's
        globals: a top-level `fn fetch()` or `crypto = ...` would replace them for the runtime too."""
        declared = [(t.name, t.span) for t in types]
        for item in top_level:
            if isinstance(item, ast.FnDecl):
                declared.append((item.name, item.span))
            elif isinstance(item, ast.Let) and isinstance(item.target, ast.NamePattern):
                declared.append((item.target.name, item.target.span))
        for edge in edges:
            declared += [(s.name, s.span) for s in edge.body if isinstance(s, ast.FnDecl)]
            declared += [(p.name, p.span) for s in edge.body if isinstance(s, ast.Let) for p in pattern_names(s.target)]
        for name, span in declared:
            if name in PLATFORM_GLOBALS:
                self.error(span, f"`{name}` is a platform global the generated worker relies on: expected another name for a top-level or block-level declaration")

    # ── edge blocks ─────────────────────────────────────────────────────────────────────────────
    def collect_workers(self, edges: list[ast.EdgeBlock]) -> list[WorkerInfo]:
        workers: list[WorkerInfo] = []
        seen: dict[str, ast.EdgeBlock] = {}
        for edge in edges:
            key = edge.name if edge.name is not None else "main"
            if edge.name is not None and not BLOCK_NAME.match(edge.name):
                self.error(edge.span, f'edge block name "{edge.name}": expected lower-case letters, digits, `-` or `_`, starting with a letter')
            if key in seen:
                what = f'edge block "{edge.name}"' if edge.name else "an unnamed edge block"
                self.error(edge.span, f"{what} is declared twice (first at line {seen[key].span.line}): expected each block once")
                continue
            seen[key] = edge
            workers.append(
                WorkerInfo(
                    block=edge.name,
                    key=key,
                    script=naming.worker_name(self.project, edge.name),
                    module=naming.module_file(self.stem, edge.name),
                    config=naming.config_file(edge.name),
                    edge=edge,
                )
            )
        for worker in workers:
            self.collect_worker(worker)
        return workers

    def collect_worker(self, worker: WorkerInfo) -> None:
        names: dict[str, object] = {}  # binding/env/secret names in this block
        health_seen = None
        target_seen = None

        def claim(name: str, span) -> bool:
            if name in RESERVED_NAMES:
                self.error(span, f"`{name}` is reserved for the ops surface the compiler adds: expected another name")
                return False
            if name in names:
                self.error(span, f"`{name}` is already declared in this edge block (line {names[name].line}): expected each name once")
                return False
            names[name] = span
            return True

        for stmt in worker.edge.body:
            kind = type(stmt)
            if kind is ast.Target:
                if target_seen is not None:
                    self.error(stmt.span, "`target` is given twice: expected it once per edge block")
                target_seen = stmt
                if stmt.value != "cloudflare":
                    self.error(stmt.span, f'unknown target "{stmt.value}": expected "cloudflare"')
            elif kind is ast.Binding:
                earlier_ai = next((b for b in worker.bindings if b.kind == "ai"), None)
                if stmt.kind == "ai" and earlier_ai is not None:
                    self.error(stmt.span, f"a second `ai` binding: a worker has one Workers AI binding "
                                          f"(`ai {earlier_ai.name}` is it): expected one `ai` per edge block")
                elif claim(stmt.name, stmt.name_span):
                    worker.bindings.append(self.binding_info(stmt))
            elif kind is ast.EnvVar:
                if claim(stmt.name, stmt.span):
                    worker.env_names.append(stmt.name)
                    if stmt.default is not None:
                        ok, value = literal(stmt.default)
                        if not ok:
                            self.error(stmt.default.span, f"the default of `env {stmt.name}` must be a plain literal: expected a string, number or boolean")
                        else:
                            worker.vars[stmt.name] = str(value).lower() if isinstance(value, bool) else str(value)
            elif kind is ast.Secret:
                if claim(stmt.name, stmt.span):
                    worker.secrets.append(stmt.name)
            elif kind is ast.Cors:
                if worker.cors is not None:
                    self.error(stmt.span, "`cors` is given twice: expected one `cors { ... }` per edge block")
                worker.cors = self.cors_config(stmt)
            elif kind is ast.Health:
                if health_seen is not None:
                    self.error(stmt.span, f"`health` is given twice (first at line {health_seen.span.line}): expected one per edge block")
                    continue
                health_seen = stmt
                if not stmt.path.startswith("/"):
                    self.error(stmt.span, f'health path "{stmt.path}": expected a path starting with `/`')
                worker.health_path = stmt.path
                for check, span in stmt.checks:
                    if check not in HEALTH_CHECKS:
                        self.error(span, f"unknown health check `{check}`: expected one of {', '.join(HEALTH_CHECKS)}", did_you_mean(check, HEALTH_CHECKS))
                    elif check not in worker.health_checks:
                        worker.health_checks.append(check)
            elif kind is ast.OnError:
                if worker.on_error is not None:
                    self.error(stmt.span, "`on_error` is given twice: expected one handler per edge block")
                worker.on_error = stmt.handler
            elif kind is ast.Middleware:
                worker.middleware.append(stmt.handler)
            elif kind is ast.Route:
                worker.routes.append(stmt)
            elif kind is ast.Schedule:
                worker.schedules.append(stmt)
            elif kind is ast.Consume:
                worker.consumes.append(stmt)
            elif kind is ast.FnDecl:
                worker.functions.append(stmt)
            elif kind is ast.Let:
                worker.state.append(stmt)
        self.check_routes(worker)
        self.check_schedules(worker)

    def binding_info(self, stmt: ast.Binding) -> BindingInfo:
        allowed = BINDING_CONFIG[stmt.kind]
        config: dict[str, str] = {}
        for entry in stmt.config:
            if not allowed:
                self.error(entry.span, f"`{stmt.kind} {stmt.name}` takes no settings: expected `{stmt.kind} {stmt.name}` "
                                       f"alone (the model is chosen per call, `{stmt.name}.run(model, inputs)`)")
                break
            if entry.key not in allowed:
                self.error(entry.span, f"unknown key `{entry.key}` for `{stmt.kind} {stmt.name}`: expected {' or '.join(allowed)}", did_you_mean(entry.key, allowed))
                continue
            ok, value = literal(entry.value)
            if not ok or not isinstance(value, str) or not value:
                self.error(entry.value.span, f"`{entry.key}` of `{stmt.kind} {stmt.name}` must be a non-empty plain string: expected \"...\"")
                continue
            config[entry.key] = value
        kind = BINDING_KIND[stmt.kind]
        name = stmt.name
        if kind == "kv":
            resource = {"id": config.get("id", naming.id_placeholder(name))}
        elif kind == "d1":
            resource = {
                "database_name": config.get("database", naming.d1_database_name(self.project, name)),
                "database_id": config.get("id", naming.id_placeholder(name)),
            }
        elif kind == "r2":
            resource = {"bucket_name": config.get("bucket", naming.bucket_name(name))}
        elif kind == "ai":
            resource = {}
        else:
            queue = config.get("name", naming.queue_name(name))
            if not QUEUE_NAME.match(queue):
                self.error(stmt.span, f'queue name "{queue}": expected lower-case letters, digits and `-` (at most 63)')
            resource = {"queue": queue}
        return BindingInfo(kind, name, resource)

    def cors_config(self, stmt: ast.Cors) -> dict:
        cors: dict = {"origins": ["*"], "methods": None, "headers": None, "credentials": False}
        for entry in stmt.entries:
            key, value = entry.key, entry.value
            if key not in CORS_KEYS:
                self.error(entry.span, f"unknown cors key `{key}`: expected one of {', '.join(CORS_KEYS)}", did_you_mean(key, CORS_KEYS))
            elif key == "methods":
                if not isinstance(value, ast.Array):
                    self.error(value.span, "cors `methods` must be a list: expected `[GET, POST]`")
                    continue
                methods = []
                for item in value.items:
                    word = item.name if isinstance(item, ast.Name) else literal(item)[1]
                    if not isinstance(word, str) or word.upper() not in HTTP_METHODS or word.upper() == "ANY":
                        self.error(item.span, f"cors methods: expected HTTP methods ({', '.join(m for m in HTTP_METHODS if m != 'ANY')})")
                        continue
                    methods.append(word.upper())
                cors["methods"] = methods
            elif key in ("origins", "headers"):
                ok, single = literal(value)
                if ok and isinstance(single, str):
                    cors[key] = [single]
                    continue
                if not isinstance(value, ast.Array) or not all(isinstance(literal(i)[1], str) for i in value.items):
                    self.error(value.span, f'cors `{key}` must be a list of plain strings: expected `["..."]`')
                    continue
                cors[key] = [literal(i)[1] for i in value.items]
            elif key == "max_age":
                ok, seconds = literal(value)
                if not ok or isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 86400:
                    self.error(value.span, "cors `max_age`: expected a whole number of seconds from 0 to 86400 (browsers cap it lower)")
                    continue
                cors[key] = seconds
            elif key == "credentials":
                if not isinstance(value, ast.Bool):
                    self.error(value.span, "cors `credentials`: expected `true` or `false`")
                    continue
                cors[key] = value.value
        return cors

    def check_routes(self, worker: WorkerInfo) -> None:
        seen: dict[tuple[str, str], ast.Route] = {}
        for route in worker.routes:
            path = route.path
            if not path.startswith("/"):
                self.error(route.path_span, f'route path "{path}": expected a path starting with `/`')
                continue
            segments = path.split("/")[1:]
            shape = []
            params: set[str] = set()
            bad = False
            for index, segment in enumerate(segments):
                if not ROUTE_SEGMENT.match(segment):
                    self.error(route.path_span, f'route path "{path}": segment "{segment}" is malformed; expected text, `:param` or a final `*rest`')
                    bad = True
                    break
                if segment.startswith("*") and index != len(segments) - 1:
                    self.error(route.path_span, f'route path "{path}": `{segment}` must be the last segment, expected `*rest` at the end')
                    bad = True
                    break
                if segment[:1] in (":", "*"):
                    if segment[1:] in params:
                        self.error(route.path_span, f'route path "{path}": parameter `{segment[1:]}` appears twice, expected distinct names')
                        bad = True
                    params.add(segment[1:])
                    shape.append(segment[0])
                else:
                    shape.append(segment)
            if bad:
                continue
            if path == naming.OPS_PREFIX or path.startswith(naming.OPS_PREFIX + "/"):
                self.error(route.path_span, f"route path \"{path}\" is reserved for the ops surface: expected a path outside `{naming.OPS_PREFIX}`")
                continue
            if path == worker.health_path and route.method in ("GET", "ANY"):
                self.error(route.path_span, f'route GET "{path}" collides with the health endpoint: expected another path')
                continue
            key = (route.method, "/".join(shape))
            if key in seen:
                first = seen[key]
                self.error(
                    route.span,
                    f'duplicate route {route.method} "{path}": already defined at line {first.span.line} (as "{first.path}"); expected each method and path once',
                )
                continue
            seen[key] = route

    def check_schedules(self, worker: WorkerInfo) -> None:
        for schedule in worker.schedules:
            fields = schedule.cron.split()
            problem = None
            if len(fields) != 5:
                problem = f"it has {len(fields)} field{'s' if len(fields) != 1 else ''}"
            elif not plainly_valid_cron(fields):
                from croniter import croniter  # imported only for crons beyond plain numeric fields

                if not croniter.is_valid(schedule.cron):
                    problem = "croniter rejects it"
            if problem:
                self.error(
                    schedule.cron_span,
                    f'invalid cron expression "{schedule.cron}" ({problem}): expected five fields "minute hour day-of-month month day-of-week", such as "0 9 * * *"',
                )

    # ── queues across the project ───────────────────────────────────────────────────────────────
    def collect_queues(self, workers: list[WorkerInfo]) -> list[QueueInfo]:
        queues: dict[str, QueueInfo] = {}
        by_binding: dict[str, BindingInfo] = {}
        for worker in workers:
            for binding in worker.bindings:
                if binding.kind != "queue":
                    continue
                name = binding.resource["queue"]
                queue = queues.setdefault(name, QueueInfo(name, binding.name))
                queue.producers.append(worker.key)
                by_binding.setdefault(binding.name, binding)
        kinds_by_name: dict[str, str] = {}
        for worker in workers:
            for binding in worker.bindings:
                first = kinds_by_name.setdefault(binding.name, binding.kind)
                if first != binding.kind:
                    stmt = next(s for s in worker.edge.body if isinstance(s, ast.Binding) and s.name == binding.name)
                    self.error(stmt.span, f"`{binding.name}` is a {first} binding in another block and a {binding.kind} binding here: expected one kind per name")

        dead_letter_requests: list[tuple[str, QueueInfo, WorkerInfo]] = []
        for worker in workers:
            consumed_here: set[str] = set()
            for consume in worker.consumes:
                binding = worker.binding(consume.queue) or by_binding.get(consume.queue)
                if binding is None or binding.kind != "queue":
                    declared_as = kinds_by_name.get(consume.queue)
                    detail = f" (it is a {declared_as} binding)" if declared_as else ""
                    self.error(
                        consume.queue_span,
                        f"consume of undeclared queue `{consume.queue}`{detail}: expected a `queue {consume.queue}` binding in some edge block",
                        did_you_mean(consume.queue, [n for n, k in kinds_by_name.items() if k == "queue"]),
                    )
                    continue
                queue = queues[binding.resource["queue"]]
                if queue.name in consumed_here:
                    self.error(consume.span, f"queue `{consume.queue}` is consumed twice in this block: expected one `consume` per queue")
                    continue
                consumed_here.add(queue.name)
                if queue.consumer is not None:
                    self.error(
                        consume.span,
                        f'queue "{queue.name}" already has a consumer in edge block "{queue.consumer.worker}": expected one consumer per queue',
                    )
                    continue
                settings = self.consumer_settings(consume)
                queue.consumer = ConsumerInfo(worker.key, binding.name, settings, consume.handler)
                if worker.binding(binding.name) is None:
                    # the consumer's code may use the queue by its binding name (and the ops surface reads
                    # its metrics), so the block gets the binding even though it did not declare it
                    worker.bindings.append(BindingInfo("queue", binding.name, dict(binding.resource), implicit=True))
                if settings["dead_letter_queue"]:
                    dead_letter_requests.append((settings["dead_letter_queue"], queue, worker))

        for dlq_name, source, worker in dead_letter_requests:
            if dlq_name == source.name:
                consume = next(c for c in worker.consumes if c.queue == source.consumer.binding)
                self.error(consume.span, f'queue "{source.name}" cannot be its own dead-letter queue: expected another name')
                continue
            dlq = queues.get(dlq_name)
            if dlq is None:
                dlq = queues[dlq_name] = QueueInfo(dlq_name, naming.queue_binding(dlq_name))
            if dlq.dead_letter_for is not None and dlq.dead_letter_for != source.name:
                consume = next(c for c in worker.consumes if c.queue == source.consumer.binding)
                self.error(consume.span, f'dead-letter queue "{dlq_name}" already serves "{dlq.dead_letter_for}": expected one dead-letter queue per source queue')
                continue
            dlq.dead_letter_for = source.name
            if dlq.consumer is not None:
                consume = next(c for c in worker.consumes if c.queue == source.consumer.binding)
                self.error(
                    consume.span,
                    f'dead-letter queue "{dlq_name}" has its own consumer in edge block "{dlq.consumer.worker}": expected the compiler\'s dead-letter store to consume it',
                )
                continue
            dlq.consumer = ConsumerInfo(worker.key, dlq.binding, {key: None for key in CONSUMER_SETTINGS}, None)
            worker.dead_letter_stores.append(dlq_name)
        return list(queues.values())

    def consumer_settings(self, consume: ast.Consume) -> dict:
        settings: dict = {key: None for key in CONSUMER_SETTINGS}
        for entry in consume.config:
            if entry.key == "type":
                ok, value = literal(entry.value)
                if ok and value == "worker":
                    continue  # what `consume` is anyway
                if ok and value == "http_pull":
                    self.error(entry.value.span,
                               "an http_pull consumer is read over HTTP from outside Workers, and the local runtime "
                               "cannot run one (Miniflare rejects pull consumers; `tova dev` and `tova console` would "
                               "have nothing to deliver to): expected a worker consumer, `consume QUEUE { ... } "
                               "fn(messages) { ... }`, whose handler acks or retries each message")
                else:
                    self.error(entry.value.span, 'consumer `type`: expected "worker" (the only kind tova builds)')
                continue
            if entry.key not in CONSUMER_SETTINGS:
                self.error(
                    entry.span,
                    f"unknown consumer setting `{entry.key}`: expected one of {', '.join(CONSUMER_SETTINGS)}",
                    did_you_mean(entry.key, CONSUMER_SETTINGS),
                )
                continue
            ok, value = literal(entry.value)
            bounds = CONSUMER_SETTINGS[entry.key]
            if bounds is None:
                if not ok or not isinstance(value, str) or not QUEUE_NAME.match(value):
                    self.error(entry.value.span, '`dead_letter_queue`: expected a queue name in quotes, such as "jobs-dlq"')
                    continue
            else:
                low, high = bounds
                if not ok or isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    self.error(entry.value.span, f"`{entry.key}`: expected a whole number from {low} to {high}")
                    continue
            settings[entry.key] = value
        return settings

    # ── code inside the blocks ──────────────────────────────────────────────────────────────────
    @staticmethod
    def declared_symbols(item) -> list:
        if isinstance(item, ast.FnDecl):
            return [item.symbol] if getattr(item, "symbol", None) is not None else []
        found = []
        stack = [item.target]
        while stack:
            pattern = stack.pop()
            if isinstance(pattern, ast.NamePattern):
                if getattr(pattern, "symbol", None) is not None:
                    found.append(pattern.symbol)
            elif isinstance(pattern, ast.ObjectPattern):
                stack.extend(target for _key, target, _default in pattern.entries)
                stack.extend([pattern.rest] if pattern.rest else [])
            else:
                stack.extend(item for item in pattern.items if item is not None)
                stack.extend([pattern.rest] if pattern.rest else [])
        return found

    def used_module_code(self, uses: set) -> tuple[set[str], set[int]]:
        """The type names and top-level items a worker needs: what it names, and what those name."""
        types: set[str] = set()
        items: set[int] = set()
        pending = list(uses)
        seen: set[int] = set()
        while pending:
            symbol = pending.pop()
            if id(symbol) in seen:
                continue
            seen.add(id(symbol))
            if symbol.kind == "type":
                types.add(symbol.name)
                continue
            item = self.module_symbols.get(id(symbol))
            if item is not None and id(item) not in items:
                items.add(id(item))
                pending.extend(self.item_uses.get(id(item), ()))
        return types, items

    def resolve_worker(self, worker: WorkerInfo, module_scope: Scope) -> None:
        resolver = self.resolver
        resolver.uses = set()
        try:
            self.resolve_worker_code(worker, module_scope)
        finally:
            uses, resolver.uses = resolver.uses, None
        worker.used_types, worker.used_items = self.used_module_code(uses)

    def resolve_worker_code(self, worker: WorkerInfo, module_scope: Scope) -> None:
        resolver = self.resolver
        scope = Scope(module_scope)
        for binding in worker.bindings:
            scope.symbols[binding.name] = Symbol(binding.name, "binding", binding.name)
        for name in worker.env_names + worker.secrets:
            scope.symbols[name] = Symbol(name, "binding", name)
        resolver.hoist(worker.functions, scope)
        for stmt in worker.state:
            self.resolve_block_state(stmt, scope)
        for fn in worker.functions:
            resolver.stmt(fn, scope)

        def handler(node, role: str) -> None:
            if isinstance(node, ast.Name):
                symbol = scope.lookup(node.name)
                if symbol is None:
                    resolver.unknown(node, scope)
                elif symbol.kind != "fn":
                    self.error(node.span, f"`{node.name}` is not a function: expected the name of a `fn` to use as the {role}")
                else:
                    node.symbol = symbol
            else:
                node.is_async = True  # the runtime awaits every handler; `await` inside must be legal
                resolver.function(node, scope)

        if worker.on_error is not None:
            handler(worker.on_error, "error handler")
        for mw in worker.middleware:
            handler(mw, "middleware")
        for route in worker.routes:
            handler(route.handler, "route handler")
        for schedule in worker.schedules:
            handler(schedule.handler, "schedule")
        for consume in worker.consumes:
            handler(consume.handler, "queue consumer")


    def resolve_block_state(self, stmt: ast.Let, scope: Scope) -> None:
        """A block-level `NAME = value` runs once when the worker's module loads, before any request
        has brought its env: a value that reads a binding, env var or secret would read nothing."""
        resolver = self.resolver
        outer, resolver.uses = resolver.uses, set()
        try:
            resolver.stmt(stmt, scope)
            early = sorted(s.name for s in resolver.uses if s.kind == "binding")
        finally:
            outer.update(resolver.uses)
            resolver.uses = outer
        if early:
            self.error(
                stmt.value.span,
                f"a block-level value is computed when the worker starts, before `{early[0]}` is bound: expected it inside a function or handler",
            )


def check(program: ast.Program, reporter: Reporter, stem: str) -> ProjectModel:
    return ProjectChecker(program, reporter, stem).check()
