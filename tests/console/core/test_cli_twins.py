"""The CLI twins over a fake ops surface: argument handling, output, exit codes, confirmation rules.
The same commands run against the real local runtime in tests/e2e/test_status_cli.py."""

import json

import httpx
import pytest

import console.commands.session_cli as session_cli
from console.cli import main
from console.project import Project
from console.session import Session

from core_fakes import API_KEY, TOKEN, FakeTarget


@pytest.fixture
def cli(monkeypatch, project_dir, ops):
    """Run `tova ...` with the project loaded from the fixture manifest and the fake ops behind it."""
    monkeypatch.setattr(session_cli.Project, "load", classmethod(
        lambda cls, source, out=None: Project.from_manifest(project_dir / ".tova-out" / "manifest.json")))
    targets: list[FakeTarget] = []
    monkeypatch.setattr(session_cli, "create_target", lambda name, project, live=True: targets.append(FakeTarget()) or targets[-1])

    class FakeHttpSession(Session):
        def __init__(self, project, target, **kw):
            super().__init__(project, target, http=httpx.AsyncClient(transport=ops.transport()), **kw)

    monkeypatch.setattr(session_cli, "Session", FakeHttpSession)
    monkeypatch.setattr("sys.stdin", None)
    run = lambda *argv: main(list(argv))  # noqa: E731
    run.targets = targets
    return run


def test_status_json(cli, ops, capsys):
    ops.add_dead(2)
    assert cli("status", "jobs.tova", "--json") == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["project"] == "jobs" and data["status"] == "degraded"  # dead letters are worth a look
    assert data["target_label"] == "local · fake"
    assert data["dead_letter_total"] == 2 and data["dead_letters"][0]["error"] == "boom 1"
    assert data["dead_letters"][0]["last_seen_iso"].endswith("Z")
    assert {w["block"]: w["health"] for w in data["workers"]} == {"api": "ok", "worker": "ok"}
    assert any(s["key"] == "total" and s["value"] == 7 for s in data["stats"])
    assert "acked_per_s" in data["queues"][0]
    assert TOKEN not in out + err and API_KEY not in out + err
    assert "==> starting the fake target" in err


def test_status_exit_1_and_human_summary_when_a_worker_is_down(cli, ops, capsys):
    ops.down.add("worker")
    assert cli("status", "jobs.tova") == 1
    out = capsys.readouterr().out
    assert "jobs on local · fake: down" in out
    assert "health:worker: " in out and "connection refused" in out
    assert "cleanup" in out and "*/5 * * * *" in out
    assert "jobs-dlq             dead-letter queue" in out


def test_dlq_list(cli, ops, capsys):
    ops.add_dead(3)
    assert cli("dlq", "list", "jobs.tova") == 0
    out = capsys.readouterr().out
    assert out.index("m2") < out.index("m1") < out.index("m0")
    assert "boom 2" in out and "3 dead letters" in out
    assert cli("dlq", "list", "jobs.tova", "--json", "--limit", "1") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 3 and [m["id"] for m in data["messages"]] == ["m2"]


def test_dlq_replay_ids_reports_counts(cli, ops, capsys):
    ops.add_dead(3)
    ops.backlog = 0
    assert cli("dlq", "replay", "jobs.tova", "--ids", "m0", "m2") == 0
    assert "replayed 2, failed 0, still in the store 1" in capsys.readouterr().out
    assert ops.sent == [{"job": 0}, {"job": 2}]


def test_dlq_replay_failure_exit_1(cli, ops, capsys):
    ops.add_dead(2)
    ops.backlog = 0
    ops.poison_ids = {"m1"}
    assert cli("dlq", "replay", "jobs.tova", "--all", "--yes") == 1
    out = capsys.readouterr().out
    assert "replayed 1, failed 1" in out and "failed m1: queue send failed" in out


def test_dlq_purge_without_a_terminal_needs_yes(cli, ops, capsys):
    ops.add_dead(2)
    assert cli("dlq", "purge", "jobs.tova", "--all") == 2
    assert "pass --yes" in capsys.readouterr().err
    assert len(ops.dead) == 2  # nothing lost
    assert cli("dlq", "purge", "jobs.tova", "--all", "--yes") == 0
    assert "deleted 2" in capsys.readouterr().out and ops.dead == []


def test_dlq_purge_asks_on_a_terminal(cli, ops, monkeypatch, capsys):
    ops.add_dead(1)

    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli("dlq", "purge", "jobs.tova", "--ids", "m0") == 1
    assert len(ops.dead) == 1
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert cli("dlq", "purge", "jobs.tova", "--ids", "m0") == 0
    assert ops.dead == []


@pytest.mark.parametrize("argv", [("dlq", "replay", "jobs.tova"), ("dlq", "replay", "jobs.tova", "--all", "--rate", "0"),
                                  ("dlq", "purge", "jobs.tova", "--all", "--ids", "m0")])
def test_dlq_usage_errors_exit_2(cli, ops, argv, capsys):
    ops.add_dead(1)
    with pytest.raises(SystemExit) as exited:
        cli(*argv)
    assert exited.value.code == 2 and len(ops.dead) == 1


def test_cron_run_and_unknown_name(cli, ops, capsys):
    ops.backlog = 0  # the local target waits for what a cron enqueued to be consumed
    assert cli("cron", "run", "jobs.tova", "cleanup") == 0
    assert "cleanup: ok" in capsys.readouterr().out and len(ops.runs) == 1
    started = len(cli.targets)
    assert cli("cron", "run", "jobs.tova", "nope") == 1
    assert "no cron named 'nope' in jobs (crons: cleanup)" in capsys.readouterr().err
    assert len(cli.targets) == started  # refused before starting anything
    assert cli("cron", "list", "jobs.tova") == 0
    assert "manual" in capsys.readouterr().out


def test_missing_file_is_a_clear_error(capsys, tmp_path):
    assert main(["status", str(tmp_path / "nope.tova")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_dlq_unknown_queue_is_refused_before_starting(cli, ops, capsys):
    assert cli("dlq", "list", "jobs.tova", "--queue", "nope") == 1
    assert "no dead-letter queue for 'nope' (queues with one: jobs, jobs-dlq)" in capsys.readouterr().err
    assert cli.targets == []


def test_dlq_show(cli, ops, capsys):
    ops.add_dead(2)
    assert cli("dlq", "show", "jobs.tova", "m1") == 0
    out = capsys.readouterr().out
    assert "error       boom 1" in out and '"job": 1' in out and "replayed 1 time before" in out
    assert cli("dlq", "show", "jobs.tova", "m1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["body"] == {"job": 1}
    assert cli("dlq", "show", "jobs.tova", "nope") == 1
    assert "no dead letter 'nope'" in capsys.readouterr().err


def test_compile_errors_are_carets_not_tracebacks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    bad = tmp_path / "bad.tova"
    bad.write_text('edge "api" {\n  route GET "/x" => fn(req) { nope_unknown }\n}\n')
    assert main(["cron", "run", str(bad), "anything"]) == 1
    err = capsys.readouterr().err
    assert "bad.tova:2:" in err and "^" in err and "Traceback" not in err
    assert "\x1b[" not in err  # NO_COLOR
