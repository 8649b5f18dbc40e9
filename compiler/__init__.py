"""The Tova edge compiler: `.tova` -> Cloudflare Workers, as separate passes.

    source.py      text and spans            lexer.py     tokens
    parser.py      statements, expressions   edge.py      edge-block statements   (-> ast.py)
    resolve/       checks.py: edge rules, queues, the project model; scope.py: names, async, immutability
    codegen/       javascript.py: statements and expressions; worker.py: one block -> one ES module
    manifest.py    manifest.json (docs/contracts.md §1)   wrangler.py   wrangler.<block>.toml
    driver.py      build(): runs the passes, raises diagnostics.CompileError, writes .tova-out/

Nothing here imports `console/`; the manifest is the only contract with it.
"""
