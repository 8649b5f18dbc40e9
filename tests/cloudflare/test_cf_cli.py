"""`tova deploy FILE.tova [--yes]` from the command line."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from cf_fixtures import TOKEN
from console.cli import main
from console.commands.deploy import confirm

PIPELINE = Path(__file__).resolve().parents[2] / "examples" / "pipeline" / "pipeline.tova"


def test_deploy_without_credentials_names_the_variables(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    source = tmp_path / "app.tova"
    source.write_text("// nothing to build: the credentials are checked first\n")
    assert main(["deploy", str(source), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID" in err


def test_deploy_of_a_missing_file_says_so(tmp_path, env, capsys):
    assert main(["deploy", str(tmp_path / "nope.tova")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_confirm_refuses_without_a_terminal():
    assert confirm("Deploy?", io.StringIO("y\n"), io.StringIO()) is None


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_confirm_asks_on_a_terminal():
    assert confirm("Deploy?", _Tty("y\n"), io.StringIO()) is True
    assert confirm("Deploy?", _Tty("\n"), io.StringIO()) is False


def copy_example(source: Path, tmp_path: Path) -> Path:
    pytest.importorskip("compiler.driver", reason="the compiler (helper `compiler`) is not on main yet")
    if not source.exists():
        pytest.skip(f"{source.relative_to(source.parents[2])} is not on main yet")
    folder = tmp_path / source.parent.name
    shutil.copytree(source.parent, folder, ignore=shutil.ignore_patterns(".tova-out", ".tova", ".dev.vars"))
    return folder / source.name


@pytest.fixture
def pipeline(tmp_path):
    return copy_example(PIPELINE, tmp_path)


def test_deploy_refuses_without_yes_when_there_is_no_terminal(pipeline, fake, env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["deploy", str(pipeline)]) == 1
    captured = capsys.readouterr()
    assert "Plan for pipeline" in captured.out
    assert "--yes" in captured.err
    assert fake.writes() == []


def test_deploy_yes_builds_and_deploys_then_changes_nothing(pipeline, fake, env, capsys):
    assert main(["deploy", str(pipeline), "--yes"]) == 0
    first = capsys.readouterr()
    assert "deployed pipeline" in first.out and "workers.dev" in first.out
    assert fake.scripts and all(s.workers_dev for s in fake.scripts.values())
    writes = len(fake.writes())

    assert main(["deploy", str(pipeline), "--yes"]) == 0
    second = capsys.readouterr()
    assert "nothing to change" in second.out
    assert len(fake.writes()) == writes
    assert TOKEN not in first.out + first.err + second.out + second.err


def test_status_on_cloudflare_returns_the_backlog_and_outcomes_the_api_served(pipeline, fake, env, capsys):
    import json
    import socket

    from cf_helpers import serve_figures
    from console.targets.cloudflare.state import state_path

    assert main(["deploy", str(pipeline), "--yes"]) == 0
    serve_figures(fake)
    # workers.dev is not reachable from tests: point the workers at a closed loopback port, so their
    # health is "down" at once and only the account's own figures answer
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    path = state_path(pipeline.parent, "pipeline", env["CLOUDFLARE_ACCOUNT_ID"])
    state = json.loads(path.read_text())
    state["urls"] = {block: f"http://127.0.0.1:{dead}" for block in state["urls"]}
    path.write_text(json.dumps(state))
    capsys.readouterr()

    code = main(["status", str(pipeline), "--target", "cloudflare", "--json", "--quiet"])

    out = capsys.readouterr().out
    snapshot = json.loads(out)
    assert code == 1  # the workers do not answer: a failure for alerting, with the JSON still printed
    assert snapshot["target"] == "cloudflare"
    queue = next(q for q in snapshot["queues"] if q["name"] == "process-queue")
    assert (queue["backlog_count"], queue["backlog_bytes"]) == (42, 4096)
    assert (queue["acked"], queue["dead_lettered"], queue["dropped"], queue["retried"]) == (117, 7, 1, 25)
    sources = {s["name"]: s for s in snapshot["sources"]}
    assert sources["cloudflare:queues"]["ok"]
    assert all(sources[f"graphql:{d}"]["ok"] for d in ("queueMessageOperationsAdaptiveGroups",
                                                        "workersInvocationsAdaptive"))
    workers = {w["block"]: w for w in snapshot["workers"]}
    assert workers["api"]["invocations"]["errors"] == 12
    assert workers["processor"]["invocations"]["exceeded_resources"] == 4
    assert "backfill" not in snapshot
    assert TOKEN not in out


def test_deploy_plan_shows_the_changes_and_makes_none(pipeline, fake, env, capsys):
    assert main(["deploy", str(pipeline), "--plan"]) == 0
    out = capsys.readouterr().out
    assert "Plan for pipeline" in out and "create  worker        pipeline-api" in out
    assert fake.writes() == []
    with pytest.raises(SystemExit):  # --plan and --yes contradict each other
        main(["deploy", str(pipeline), "--plan", "--yes"])


def test_deploy_of_a_program_that_does_not_compile_shows_the_caret_and_calls_nothing(fake, env, tmp_path, capsys):
    pytest.importorskip("compiler.driver", reason="the compiler (helper `compiler`) is not on main yet")
    source = tmp_path / "broken.tova"
    source.write_text('edge "api" {\n  route GET "/x" => fn(req) { 1 + }\n}\n')
    assert main(["deploy", str(source), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "broken.tova:2:" in err and "^" in err
    assert fake.calls == []


def test_the_jobs_example_deploys_its_dead_letter_queue_and_then_changes_nothing(fake, env, tmp_path, capsys):
    jobs = copy_example(PIPELINE.parents[1] / "jobs" / "jobs.tova", tmp_path)
    assert main(["deploy", str(jobs), "--yes"]) == 0
    capsys.readouterr()
    consumers = [c for queue in fake.consumers.values() for c in queue]
    assert any(c["dead_letter_queue"] for c in consumers)  # the source queue names its DLQ
    dlqs = {c["dead_letter_queue"] for c in consumers if c["dead_letter_queue"]}
    assert dlqs <= {q["queue_name"] for q in fake.queues}
    writes = len(fake.writes())
    assert main(["deploy", str(jobs), "--yes"]) == 0
    assert "nothing to change" in capsys.readouterr().out and len(fake.writes()) == writes


def renamed_processor(pipeline: Path) -> None:
    """The program after a rename: its old consumer worker is no longer declared by it."""
    pipeline.write_text(pipeline.read_text().replace('edge "processor"', 'edge "crunch"'))


def test_prune_asks_on_its_own_naming_each_deletion_and_a_no_changes_nothing(pipeline, fake, env, capsys):
    from console.commands.deploy import register, run
    import argparse

    assert main(["deploy", str(pipeline), "--yes"]) == 0
    renamed_processor(pipeline)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["deploy", str(pipeline), "--prune"])
    questions: list[str] = []
    writes = len(fake.writes())

    def answer(question: str) -> bool:
        questions.append(question)
        return question == "Deploy?"  # the plan yes, the deletion no

    assert run(args, ask=answer) == 1

    assert questions[0] == "Deploy?" and "worker pipeline-processor" in questions[1]
    assert "- delete  worker        pipeline-processor" in capsys.readouterr().out
    assert len(fake.writes()) == writes and "pipeline-processor" in fake.scripts


def test_prune_with_yes_deletes_the_dropped_worker_and_a_deploy_without_it_keeps_it(pipeline, fake, env, capsys):
    assert main(["deploy", str(pipeline), "--yes"]) == 0
    renamed_processor(pipeline)

    assert main(["deploy", str(pipeline), "--yes"]) == 0
    assert "pipeline-processor" in fake.scripts  # never by default
    assert "`tova deploy --prune` deletes them" in capsys.readouterr().out

    assert main(["deploy", str(pipeline), "--yes", "--prune"]) == 0
    assert "pipeline-processor" not in fake.scripts and "pipeline-crunch" in fake.scripts
