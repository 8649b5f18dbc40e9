"""The checked project: what the manifest, the wrangler files and the workers are generated from."""

from __future__ import annotations


from compiler import ast
from compiler.record import Factory, record


@record
class BindingInfo:
    kind: str  # kv, d1, r2, queue (the manifest's kinds)
    name: str
    resource: dict  # id / database_name+database_id / bucket_name / queue
    implicit: bool = False  # added by the compiler (a consumed or replayed queue), not declared


@record
class ConsumerInfo:
    worker: str  # block
    binding: str
    settings: dict  # the six wrangler settings, None when unset
    handler: object = None  # Lambda or Name; None for a generated dead-letter store


@record
class QueueInfo:
    name: str
    binding: str
    producers: list[str] = Factory(list)
    consumer: ConsumerInfo | None = None
    dead_letter_for: str | None = None


@record
class WorkerInfo:
    block: str | None
    key: str  # the block's name in the manifest (`main` for an unnamed block)
    script: str
    module: str
    config: str
    edge: ast.EdgeBlock
    bindings: list[BindingInfo] = Factory(list)
    vars: dict[str, str] = Factory(dict)
    env_names: list[str] = Factory(list)
    secrets: list[str] = Factory(list)
    cors: dict | None = None
    health_path: str = "/healthz"
    health_checks: list[str] = Factory(list)
    on_error: ast.Lambda | None = None
    middleware: list = Factory(list)
    routes: list[ast.Route] = Factory(list)
    schedules: list[ast.Schedule] = Factory(list)
    consumes: list[ast.Consume] = Factory(list)
    dead_letter_stores: list[str] = Factory(list)
    functions: list[ast.FnDecl] = Factory(list)
    state: list[ast.Let] = Factory(list)
    security: dict | None = None  # the program's `security` block as runtime data (resolve/security.py)  # block-level constants and `var`s: module-scoped in the worker
    # the shared types and top-level items (by id) this worker's code reaches; only those are emitted
    used_types: set = Factory(set)
    used_items: set = Factory(set)

    def binding(self, name: str) -> BindingInfo | None:
        return next((b for b in self.bindings if b.name == name), None)


@record
class ProjectModel:
    project: str
    stem: str
    program: ast.Program
    types: list[ast.TypeDecl]
    top_level: list  # FnDecl and Let, in source order
    workers: list[WorkerInfo]
    queues: list[QueueInfo]
    migrations_binding: str | None = None
