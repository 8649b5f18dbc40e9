"""Differential test: programs generated from an independent model of the language (reference_model.py)
must compute in node, compiled, exactly what the model's evaluator says; programs the model calls
invalid (an immutable reassigned in a nested block) must be refused at that line.

Each hypothesis example is a batch of programs run in one node process, so hundreds of programs cost a
few seconds. TOVA_DIFF_EXAMPLES raises the number of batches for a longer hunt.
"""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.diagnostics import CompileError
from reference_model import generate
from tova_testkit import compile_snippet, run_snippets

BATCH = 60
SETTINGS = settings(
    max_examples=int(os.environ.get("TOVA_DIFF_EXAMPLES", "6")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(st.integers(0, 2**32))
def test_compiled_programs_compute_what_the_model_says(node, seed):
    rng = random.Random(seed)
    programs = {f"p{i}": generate(rng, allow_invalid=rng.random() < 0.15) for i in range(BATCH)}
    refused = {name: p for name, p in programs.items() if p[1][0] == "refused"}
    runnable = {name: p for name, p in programs.items() if p[1][0] == "value"}

    for name, (source, (_kind, line)) in refused.items():
        try:
            compile_snippet(source)
        except CompileError as error:
            lines = [d.line for d in error.diagnostics]
            assert lines == [line], f"{name}: expected one error at line {line}, got\n{error.render()}\n{source}"
            assert "cannot reassign" in error.diagnostics[0].message
        else:
            raise AssertionError(f"{name}: the compiler accepted an immutable reassigned at line {line}:\n{source}")

    results = run_snippets(node, {name: source for name, (source, _expected) in runnable.items()})
    mismatches = [
        (name, source, expected[1], results[name])
        for name, (source, expected) in runnable.items()
        if results[name] != {"value": expected[1]}
    ]
    assert not mismatches, "\n\n".join(f"{name}: expected {want!r}, got {got!r}\n{source}" for name, source, want, got in mismatches[:3])
