"""The runner's migration splitter: one statement per `;`, except inside quotes, comments and triggers."""

from __future__ import annotations

import json
import subprocess

from console.targets.local.installer import RUNTIME_DIR, RuntimePaths
from console.targets.local.runtime import RUNNER


def split_all(sqls: list[str]) -> list[list[str]]:
    """Splits every text in one node run (the migrations module only defines)."""
    script = (
        f"import {{ splitSql }} from {json.dumps(RUNNER.with_name('migrations.mjs').as_uri())};"
        "const texts = JSON.parse(process.env.TOVA_SQL);"
        "process.stdout.write(JSON.stringify(texts.map(splitSql)));"
    )
    node = RuntimePaths(RUNTIME_DIR).node
    result = subprocess.run([str(node), "--input-type=module", "-e", script], env={"TOVA_SQL": json.dumps(sqls)},
                            cwd=RUNTIME_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


CASES = [
    ("CREATE TABLE a (x);\nCREATE TABLE b (y);", ["CREATE TABLE a (x)", "CREATE TABLE b (y)"]),
    ("INSERT INTO t VALUES ('a;b', 'it''s; fine');", ["INSERT INTO t VALUES ('a;b', 'it''s; fine')"]),
    ('SELECT "odd;name" FROM t; SELECT 1', ['SELECT "odd;name" FROM t', "SELECT 1"]),
    ("-- a; comment\nSELECT 1; /* more; */ SELECT 2;", ["SELECT 1", "SELECT 2"]),
    ("CREATE TRIGGER x AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM u; END;\nSELECT 3;",
     ["CREATE TRIGGER x AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM u; END", "SELECT 3"]),
    ("BEGIN TRANSACTION; SELECT 1; COMMIT;", ["BEGIN TRANSACTION", "SELECT 1", "COMMIT"]),
    ("  ;\n;  ", []),
]


def test_statements_split_where_sqlite_would():
    assert split_all([sql for sql, _ in CASES]) == [statements for _, statements in CASES]
