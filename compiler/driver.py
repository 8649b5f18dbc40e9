"""`build(source, out_dir)`: the compiler's one entry point (contracts §7).

source -> lexer/parser -> checks -> JavaScript per edge block + wrangler files + manifest.json.
Bad input raises CompileError (all diagnostics found); nothing is written unless the build succeeds.
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

from compiler.diagnostics import CompileError, Diagnostic, Reporter
from compiler.record import Factory, record
from compiler.source import Source


@record
class BuildResult:
    out_dir: Path
    manifest_path: Path
    manifest: dict
    files: list[Path] = Factory(list)


def compile_source(source: Source, out_dir: Path, stem: str) -> tuple[dict, dict[str, str]]:
    """Compile in memory: (manifest, {file name: text}). Raises CompileError."""
    # The passes allocate many small objects and free nothing until the end; the cyclic collector
    # would rescan the growing tree again and again (half the time on a 10,000-line program).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compile(source, out_dir, stem)
    except RecursionError:
        # the passes recurse over the tree; absurd nesting must still end in a diagnostic
        raise CompileError(
            [Diagnostic(source.name, 1, 1, "the program nests too deeply: expected fewer levels of brackets and blocks", source_line=source.line_text(1))]
        ) from None
    finally:
        if collecting:
            gc.enable()


def _compile(source: Source, out_dir: Path, stem: str) -> tuple[dict, dict[str, str]]:
    from compiler.codegen.worker import WorkerEmitter
    from compiler.manifest import build_manifest, migrations_dir
    from compiler.parser import parse
    from compiler.resolve.checks import check
    from compiler.wrangler import render_wrangler

    reporter = Reporter(source)
    program = parse(source, reporter)
    if reporter.failed:
        raise CompileError(reporter.diagnostics)
    model = check(program, reporter, stem)
    if reporter.failed:
        raise CompileError(sorted(reporter.diagnostics, key=lambda d: (d.line, d.col)))
    source_name = source.path.name if source.path is not None else source.name
    manifest = build_manifest(model, source_name, migrations_dir(source.path, out_dir))
    emitter = WorkerEmitter(model, source_name)
    files: dict[str, str] = {}
    for worker, entry in zip(model.workers, manifest["workers"]):
        files[worker.module] = emitter.module(worker)
        files[worker.config] = render_wrangler(manifest, entry)
    return manifest, files


def build(source: str | Path, out_dir: str | Path | None = None) -> BuildResult:
    path = Path(source)
    display = os.path.relpath(path) if not path.is_absolute() else str(path)
    try:
        src = Source.from_path(path, display)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CompileError([Diagnostic(display, 0, 0, f"cannot read the program: {reason}; expected a readable UTF-8 .tova file")]) from None
    out = Path(out_dir) if out_dir is not None else path.parent / ".tova-out"
    stem = path.name.removesuffix(".tova") if path.name.endswith(".tova") else path.stem
    manifest, files = compile_source(src, out, stem)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in files.items():
            target = out / name
            target.write_text(text, encoding="utf-8")
            written.append(target)
        manifest_path = out / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written.append(manifest_path)
    except OSError as error:
        raise CompileError([Diagnostic(str(out), 0, 0, f"cannot write the build output: {error.strerror or error}; expected a writable folder")]) from None
    return BuildResult(out, manifest_path, manifest, written)
