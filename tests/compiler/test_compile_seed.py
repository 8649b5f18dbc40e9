"""The seed program builds as written: modules, wrangler files and the manifest of contracts §1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.driver import build
from tova_testkit import NODE_BIN, ROOT, SEED, SHARED_SEED, node_env

EXPECTED_FILES = {
    "pipeline.edge.api.js",
    "pipeline.edge.processor.js",
    "wrangler.api.toml",
    "wrangler.processor.toml",
    "manifest.json",
}


def ops_binding() -> dict:
    return {
        "kind": "d1",
        "name": "TOVA_OPS",
        "database_name": "pipeline-tova-ops",
        "database_id": "TODO_TOVA_OPS_ID",
        "ops": True,
    }


def seed_bindings() -> list[dict]:
    return [
        {"kind": "kv", "name": "METADATA", "id": "TODO_METADATA_ID"},
        {"kind": "d1", "name": "DB", "database_name": "pipeline", "database_id": "TODO_DB_ID"},
        {"kind": "r2", "name": "IMAGES", "bucket_name": "images"},
        {"kind": "queue", "name": "PROCESS_QUEUE", "queue": "process-queue"},
        ops_binding(),
    ]


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed-out")
    return build(SEED, out)


def test_the_seed_example_is_the_shared_fixture_byte_for_byte():
    if not SHARED_SEED.exists():
        pytest.skip("the team's shared folder is not beside this checkout")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_build_writes_every_file(seed_build):
    assert {p.name for p in seed_build.files} == EXPECTED_FILES
    assert {p.name for p in seed_build.out_dir.iterdir()} >= EXPECTED_FILES
    assert seed_build.manifest_path == seed_build.out_dir / "manifest.json"
    assert json.loads(seed_build.manifest_path.read_text()) == seed_build.manifest


def test_manifest_is_the_contract(seed_build):
    manifest = seed_build.manifest
    migrations = manifest.pop("migrations")
    assert len(migrations) == 1
    assert migrations[0]["binding"] == "DB" and migrations[0]["database_name"] == "pipeline"
    assert (seed_build.out_dir / migrations[0]["dir"]).resolve() == (SEED.parent / "migrations").resolve()
    assert manifest == {
        "version": 1,
        "project": "pipeline",
        "source": "pipeline.tova",
        "compatibility_date": "2025-09-01",
        "compatibility_flags": [],
        "ops": {
            "prefix": "/__tova",
            "token_secret": "TOVA_ADMIN_TOKEN",
            "d1_binding": "TOVA_OPS",
            "database_name": "pipeline-tova-ops",
        },
        "queues": [
            {
                "name": "process-queue",
                "binding": "PROCESS_QUEUE",
                "producers": ["api"],
                "consumer": {
                    "worker": "processor",
                    "max_batch_size": None,
                    "max_batch_timeout": None,
                    "max_retries": None,
                    "retry_delay": None,
                    "dead_letter_queue": None,
                    "max_concurrency": None,
                },
                "dead_letter_for": None,
            }
        ],
        "workers": [
            {
                "block": "api",
                "name": "pipeline-api",
                "module": "pipeline.edge.api.js",
                "config": "wrangler.api.toml",
                "health": {"path": "/healthz", "checks": ["check_memory"]},
                "routes": [
                    {"method": "POST", "path": "/api/images"},
                    {"method": "GET", "path": "/api/images/:id"},
                    {"method": "GET", "path": "/images/*path"},
                    {"method": "DELETE", "path": "/api/images/:id"},
                    {"method": "GET", "path": "/api/stats"},
                ],
                "bindings": seed_bindings(),
                "vars": {"MAX_FILE_SIZE": "10485760"},
                "secrets": ["API_KEY", "TOVA_ADMIN_TOKEN"],
                "schedules": [{"name": "daily-report", "cron": "0 9 * * *"}],
                "consumes": [],
                "dead_letter_stores": [],
            },
            {
                "block": "processor",
                "name": "pipeline-processor",
                "module": "pipeline.edge.processor.js",
                "config": "wrangler.processor.toml",
                "health": {"path": "/healthz", "checks": []},
                "routes": [],
                # the processor consumes PROCESS_QUEUE without declaring it, and still gets the binding
                "bindings": seed_bindings(),
                "vars": {},
                "secrets": ["TOVA_ADMIN_TOKEN"],
                "schedules": [],
                "consumes": ["process-queue"],
                "dead_letter_stores": [],
            },
        ],
    }


def test_default_output_folder_is_beside_the_source(tmp_path):
    program = tmp_path / "pipeline.tova"
    program.write_bytes(SEED.read_bytes())
    (tmp_path / "migrations").mkdir()
    result = build(program)
    assert result.out_dir == tmp_path / ".tova-out"
    assert result.manifest["migrations"][0]["dir"] == "../migrations"


@pytest.mark.parametrize("module", ["pipeline.edge.api.js", "pipeline.edge.processor.js"])
def test_modules_pass_node_check_and_export_the_worker(seed_build, node, module):
    path = seed_build.out_dir / module
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert "import " not in text.split("// ── compiled from")[1]
    assert text.rstrip().endswith("export default __tova_createWorker(__tova_spec);")


@pytest.mark.parametrize(
    "config, needles",
    [
        (
            "wrangler.api.toml",
            ['name = "pipeline-api"', 'main = "pipeline.edge.api.js"', 'id = "TODO_METADATA_ID"', 'database_name = "pipeline"',
             'database_id = "TODO_DB_ID"', 'bucket_name = "images"', 'queue = "process-queue"', 'crons = ["0 9 * * *"]',
             'MAX_FILE_SIZE = "10485760"'],
        ),
        (
            "wrangler.processor.toml",
            ['name = "pipeline-processor"', 'main = "pipeline.edge.processor.js"', "[[queues.consumers]]",
             'queue = "process-queue"', 'database_id = "TODO_DB_ID"', 'bucket_name = "images"'],
        ),
    ],
)
def test_wrangler_config_validates_offline(seed_build, config, needles):
    text = (seed_build.out_dir / config).read_text()
    for needle in needles:
        assert needle in text
    wrangler = NODE_BIN / "wrangler"
    result = subprocess.run(
        [str(wrangler), "deploy", "--dry-run", "-c", config],
        cwd=seed_build.out_dir, capture_output=True, text=True, timeout=120, env=node_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--dry-run: exiting now." in result.stdout


def test_cli_build_succeeds_and_lists_files(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "build", str(SEED), "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "pipeline-api" in result.stdout and "pipeline-processor" in result.stdout
    assert (tmp_path / "manifest.json").exists()
