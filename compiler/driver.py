"""`build(source, out_dir)`: the compiler's one entry point (contracts §7).

source -> lexer/parser -> checks -> JavaScript per edge block + wrangler files + manifest.json.
Bad input raises CompileError (all diagnostics found); nothing is written unless the build succeeds.
"""

from __future__ import annotations

import gc
import json
import os
import _thread
import signal
import sys
from pathlib import Path

from compiler.diagnostics import CompileError, Diagnostic, Reporter
from compiler.record import Factory, record
from compiler.source import Source, SourceDecodeError


@record
class BuildResult:
    out_dir: Path
    manifest_path: Path
    manifest: dict
    files: list[Path] = Factory(list)


NUL_MESSAGE = "NUL byte (\\0) in the program: expected text (is this a binary file?)"


def printable(line: str) -> str:
    """A source line safe to print: control characters shown as their Unicode pictures (␀ for NUL)."""
    return "".join(chr(0x2400 + ord(ch)) if ord(ch) < 32 and ch != "\t" else ch for ch in line)


def compile_source(source: Source, out_dir: Path, stem: str) -> tuple[dict, dict[str, str]]:
    """Compile in memory: (manifest, {file name: text}). Raises CompileError."""
    nul = source.text.find("\0")
    if nul >= 0:
        line, col = source.line_col(nul)
        raise CompileError([Diagnostic(source.name, line, col, NUL_MESSAGE, source_line=printable(source.line_text(line)))])
    # The passes allocate many small objects and free nothing until the end; the cyclic collector
    # would rescan the growing tree again and again (half the time on a 10,000-line program).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return on_deep_stack(_compile, source, out_dir, stem)
    except RecursionError:
        # the parser refuses nesting past MAX_NESTING where it happens; this is the last resort
        raise CompileError(
            [Diagnostic(source.name, 1, 1, "the program nests too deeply: expected fewer levels of brackets and blocks", source_line=source.line_text(1))]
        ) from None
    finally:
        if collecting:
            gc.enable()


DEEP_STACK = 512 * 1024 * 1024  # virtual: only the pages a deep program touches are ever used
DEEP_RECURSION = 60_000
CALLER_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


def on_deep_stack(function, *args):
    """Run `function` in a thread with a large stack and recursion limit: the passes recurse over the
    tree, and ordinary code (500 nested lists, deep blocks) must not hit Python's default 1,000.
    `_thread` rather than `threading`: the one import a short build would otherwise pay for."""
    outcome: dict = {}
    done = _thread.allocate_lock()
    done.acquire()

    def run() -> None:
        # Ctrl-C and friends must reach the main thread, which Python's handlers run in: a signal the
        # kernel hands to this thread instead was seen lost (tova dev ignoring Ctrl-C after a rebuild).
        signal.pthread_sigmask(signal.SIG_BLOCK, CALLER_SIGNALS)
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            done.release()

    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, DEEP_RECURSION))
    previous_stack = _thread.stack_size(DEEP_STACK)
    try:
        _thread.start_new_thread(run, ())
    finally:
        _thread.stack_size(previous_stack)
    done.acquire()
    sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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


def read_program(path: Path) -> tuple[Source, str]:
    """The source and its stem (`pipeline.tova` -> `pipeline`), or a CompileError saying why not."""
    display = os.path.relpath(path) if not path.is_absolute() else str(path)
    try:
        src = Source.from_path(path, display)
    except SourceDecodeError as error:
        message = (
            NUL_MESSAGE if error.is_nul
            else f"byte 0x{error.byte:02x} is not UTF-8 text: expected a UTF-8 .tova file (is this a binary file or another encoding?)"
        )
        raise CompileError([Diagnostic(display, error.line, error.col, message, source_line=printable(error.line_text))]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise CompileError([Diagnostic(display, 0, 0, f"cannot read the program: {reason}; expected a readable UTF-8 .tova file")]) from None
    stem = path.name.removesuffix(".tova") if path.name.endswith(".tova") else path.stem
    return src, stem


def check(source: str | Path, out_dir: str | Path | None = None) -> dict:
    """Compile without writing anything (`tova build --check`): the manifest, or CompileError."""
    path = Path(source)
    src, stem = read_program(path)
    out = Path(out_dir) if out_dir is not None else path.parent / ".tova-out"
    manifest, _files = compile_source(src, out, stem)
    return manifest


def build(source: str | Path, out_dir: str | Path | None = None) -> BuildResult:
    path = Path(source)
    src, stem = read_program(path)
    out = Path(out_dir) if out_dir is not None else path.parent / ".tova-out"
    manifest, files = compile_source(src, out, stem)
    files["manifest.json"] = json.dumps(manifest, indent=2) + "\n"
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = [write_atomically(out / name, text) for name, text in files.items()]
        remove_stale_outputs(out, set(files))
    except OSError as error:
        raise CompileError([Diagnostic(str(out), 0, 0, f"cannot write the build output: {error.strerror or error}; expected a writable folder")]) from None
    return BuildResult(out, out / "manifest.json", manifest, written)


def write_atomically(target: Path, text: str) -> Path:
    """Write beside, then rename: a running local runtime never reads a half-written module."""
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    return target


GENERATED_MARKS = ("// Generated by `tova build`", "# Generated by `tova build`")


def remove_stale_outputs(out: Path, current: set[str]) -> None:
    """Modules and wrangler files of blocks that no longer exist (renamed or deleted) would otherwise
    linger and mislead; only files this compiler wrote (they start with its mark) are removed."""
    for path in list(out.glob("*.edge*.js")) + list(out.glob("wrangler*.toml")):
        if path.name in current:
            continue
        try:
            with path.open(encoding="utf-8") as handle:
                head = handle.read(64)
        except (OSError, UnicodeDecodeError):
            continue
        if head.startswith(GENERATED_MARKS):
            path.unlink()
