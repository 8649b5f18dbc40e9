import json
from pathlib import Path

import pytest

from console.manifest import Manifest, ManifestError
from console.project import Project, ProjectError, SecretMissing, expand_secrets, load_config

from core_fakes import FIXTURES


def test_manifest_reads_workers_queues_and_dead_letter_stores():
    m = Manifest.load(FIXTURES / "manifest.json")
    assert m.project == "jobs"
    assert m.blocks == ("api", "worker")
    assert m.worker("worker").health.path == "/health"
    assert [w.block for w in m.dead_letter_store_workers()] == ["worker"]
    assert m.queue("jobs").consumer.dead_letter_queue == "jobs-dlq"
    assert m.queue("jobs-dlq").dead_letter_for == "jobs"
    assert m.schedule_owner("cleanup").block == "api"
    assert m.dead_letter_names() == {"jobs", "jobs-dlq"}
    assert m.dead_letter_source("jobs-dlq") == "jobs" and m.dead_letter_source("jobs") == "jobs"
    assert m.dead_letter_store_of("jobs").block == "worker" and m.dead_letter_store_of("jobs-dlq").block == "worker"
    assert m.dead_letter_store_of("nope") is None
    assert m.migrations[0].dir == (FIXTURES.parent / "migrations").resolve()


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(version=2), "version"),
    (lambda d: d["workers"][0].pop("block"), "workers[0].block"),
    (lambda d: d["queues"][0]["consumer"].update(max_retries="3"), "queues[0].consumer.max_retries"),
    (lambda d: d.update(workers="x"), "workers"),
])
def test_manifest_errors_name_the_field(mutate, message):
    data = json.loads((FIXTURES / "manifest.json").read_text())
    mutate(data)
    with pytest.raises(ManifestError, match=r".*" + message.replace("[", r"\[").replace("]", r"\]")):
        Manifest.from_dict(data)


def test_manifest_missing_or_not_json(tmp_path):
    with pytest.raises(ManifestError, match="build the project first"):
        Manifest.load(tmp_path / "manifest.json")
    (tmp_path / "manifest.json").write_text("{nope")
    with pytest.raises(ManifestError, match=r"manifest.json:1:2: not JSON"):
        Manifest.load(tmp_path / "manifest.json")


def test_project_from_manifest_reads_config(project):
    assert project.name == "jobs"
    assert project.config.interval == 1.0
    assert [(e.worker, e.path) for e in project.stats_endpoints] == [("api", "/api/stats")]
    assert project.stats_endpoints[0].headers == {"X-API-Key": "${API_KEY}"}


def test_without_config_stats_routes_are_guessed(project_dir):
    (project_dir / "tova.toml").unlink()
    project = Project.from_manifest(project_dir / ".tova-out" / "manifest.json")
    assert project.config.interval == 2.0
    # /api/jobs/:id is parameterised and POST /api/jobs is not a stats route
    assert [e.label for e in project.stats_endpoints] == ["api /api/stats"]
    assert project.stats_endpoints[0].headers == {}


@pytest.mark.parametrize("text, message", [
    ("[console]\ninterval = 'fast'\n", "console.interval: expected a number"),
    ("[console]\ninterval = 0\n", "console.interval: must be at least"),
    ("[[stats]]\npath = '/s'\n", "stats[0].worker"),
    ("[[stats]]\nworker = 'api'\npath = 's'\n", "stats[0].path"),
    ("[[stats]]\nworker='api'\npath='/s'\nheaders = { X = 1 }\n", "stats[0].headers"),
    ("[consle]\n", "consle: unknown setting"),
    ("[dlq]\nreplay_rate = 5000\n", "dlq.replay_rate: must be at most 1000"),
    ("[console\n", "tova.toml: "),
])
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "tova.toml"
    path.write_text(text)
    with pytest.raises(ProjectError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_stats_worker_must_be_a_block(project_dir):
    (project_dir / "tova.toml").write_text("[[stats]]\nworker = 'nope'\npath = '/api/stats'\n")
    with pytest.raises(ProjectError, match="stats worker 'nope' is not a block of jobs"):
        Project.from_manifest(project_dir / ".tova-out" / "manifest.json")


def test_secret_expansion():
    secrets = {"API_KEY": "k1", "OTHER": "o2"}.get
    assert expand_secrets("${API_KEY}", secrets) == "k1"
    assert expand_secrets("Bearer ${API_KEY}-${OTHER}", secrets) == "Bearer k1-o2"
    assert expand_secrets("cost $$5 ${API_KEY}", secrets) == "cost $5 k1"
    assert expand_secrets("no refs $HOME", secrets) == "no refs $HOME"
    with pytest.raises(SecretMissing, match="header X-API-Key needs the secret MISSING"):
        expand_secrets("${MISSING}", secrets, where="header X-API-Key")


def test_example_configs_parse():
    root = Path(__file__).resolve().parents[3] / "examples"
    for path in root.glob("*/tova.toml"):
        config = load_config(path)
        assert config.path == path
        assert config.stats, f"{path} watches no stats endpoint"
