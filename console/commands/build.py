"""`tova build FILE.tova [--out DIR]`: compile to Workers modules, wrangler files and manifest.json."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "build",
        help="compile a .tova program to Cloudflare Workers",
        description="Compile FILE.tova: one ES module and one wrangler.<block>.toml per edge block, "
        "plus manifest.json, written to .tova-out/ beside the file (or --out DIR).",
    )
    parser.add_argument("file", metavar="FILE.tova", help="the Tova program to compile")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: .tova-out beside FILE)")
    parser.add_argument("--check", action="store_true", help="only report errors; write nothing (for editors and CI)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # imported here so `tova --help` and other commands do not pay for the compiler
    from compiler.diagnostics import CompileError
    from compiler.driver import build, check

    try:
        if args.check:
            manifest = check(args.file, args.out)
            workers = manifest["workers"]
            print(f"{args.file}: no errors ({len(workers)} worker{'s' if len(workers) != 1 else ''}: {', '.join(w['name'] for w in workers)})")
            return 0
        result = build(args.file, args.out)
    except CompileError as error:
        # colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org)
        color = sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        print(error.render(color=color), file=sys.stderr)
        return 1
    except Exception as error:  # a compiler bug: say so plainly, keep the traceback for TOVA_DEBUG=1
        if os.environ.get("TOVA_DEBUG"):
            raise
        print(f"tova build: internal compiler error ({type(error).__name__}: {error}); "
              "this is a bug in tova, not in your program. Run with TOVA_DEBUG=1 for the traceback.", file=sys.stderr)
        return 1
    out = os.path.relpath(result.out_dir)
    workers = result.manifest["workers"]
    names = ", ".join(w["name"] for w in workers)
    print(f"built {args.file} -> {out}/ ({len(workers)} worker{'s' if len(workers) != 1 else ''}: {names})")
    for path in result.files:
        print(f"  {os.path.relpath(path)}")
    return 0
