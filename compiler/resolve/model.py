"""The checked project: what the manifest, the wrangler files and the workers are generated from."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler import ast


@dataclass
class BindingInfo:
    kind: str  # kv, d1, r2, queue (the manifest's kinds)
    name: str
    resource: dict  # id / database_name+database_id / bucket_name / queue
    implicit: bool = False  # added by the compiler (a consumed or replayed queue), not declared


@dataclass
class ConsumerInfo:
    worker: str  # block
    binding: str
    settings: dict  # the six wrangler settings, None when unset
    handler: object = None  # Lambda or Name; None for a generated dead-letter store


@dataclass
class QueueInfo:
    name: str
    binding: str
    producers: list[str] = field(default_factory=list)
    consumer: ConsumerInfo | None = None
    dead_letter_for: str | None = None


@dataclass
class WorkerInfo:
    block: str | None
    key: str  # the block's name in the manifest (`main` for an unnamed block)
    script: str
    module: str
    config: str
    edge: ast.EdgeBlock
    bindings: list[BindingInfo] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)
    env_names: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    cors: dict | None = None
    health_path: str = "/healthz"
    health_checks: list[str] = field(default_factory=list)
    on_error: ast.Lambda | None = None
    middleware: list = field(default_factory=list)
    routes: list[ast.Route] = field(default_factory=list)
    schedules: list[ast.Schedule] = field(default_factory=list)
    consumes: list[ast.Consume] = field(default_factory=list)
    dead_letter_stores: list[str] = field(default_factory=list)
    functions: list[ast.FnDecl] = field(default_factory=list)
    constants: list[ast.Let] = field(default_factory=list)

    def binding(self, name: str) -> BindingInfo | None:
        return next((b for b in self.bindings if b.name == name), None)


@dataclass
class ProjectModel:
    project: str
    stem: str
    program: ast.Program
    types: list[ast.TypeDecl]
    top_level: list  # FnDecl and Let, in source order
    workers: list[WorkerInfo]
    queues: list[QueueInfo]
    migrations_binding: str | None = None
