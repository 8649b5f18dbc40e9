"""examples/tasks (seed 004) on workerd: validated and queued in one request or many (sendBatch), each
message acked or retried on its own with a delay, an idempotency key that makes a second delivery (or a
second POST) have no second effect, and a bad task dead-lettered with its reason, corrected and replayed."""

from __future__ import annotations

import pytest

from tests.e2e.seed_examples import api_client, ops_client, running_example


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running_example("tasks", tmp_path_factory.mktemp("tasks")) as rt:
        yield rt


@pytest.fixture(scope="module")
def api(runtime):
    with api_client(runtime) as client:
        yield client


@pytest.fixture(scope="module")
def ops(runtime):
    with ops_client(runtime, "worker") as client:
        yield client


def task(api, tid):
    return api.get(f"/api/tasks/{tid}").json()


def test_a_task_is_validated_then_accepted_at_once_and_done_once(api, eventually):
    assert api.post("/api/tasks", json={"user_id": "u1"}).json() == {"error": "expected `image_url`"}
    accepted = api.post("/api/tasks", json={"user_id": "u1", "image_url": "https://img.example/cat.PNG"},
                        headers={"Idempotency-Key": "upload-1"})
    assert accepted.status_code == 202 and accepted.json()["duplicate"] is False
    tid = accepted.json()["id"]
    done = eventually(lambda: (t := task(api, tid))["status"] == "done" and t)
    assert (done["format"], done["effects"], done["idempotency_key"]) == ("png", 1, "upload-1")


def test_the_same_idempotency_key_again_is_the_same_task_and_queues_nothing(api, eventually):
    first = api.post("/api/tasks", json={"user_id": "u2", "image_url": "https://img.example/a.jpg"},
                     headers={"Idempotency-Key": "upload-2"}).json()
    again = api.post("/api/tasks", json={"user_id": "u2", "image_url": "https://img.example/a.jpg"},
                     headers={"Idempotency-Key": "upload-2"})
    assert again.status_code == 200 and again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    done = eventually(lambda: (t := task(api, first["id"]))["status"] == "done" and t)
    assert (done["effects"], done["attempts"], done["duplicates"]) == (1, 1, 0)


def test_a_message_delivered_twice_has_one_effect(api, eventually):
    tid = api.post("/api/tasks", json={"user_id": "u3", "image_url": "https://img.example/b.webp"}).json()["id"]
    eventually(lambda: task(api, tid)["status"] == "done")
    assert api.post(f"/api/tasks/{tid}/redeliver").status_code == 202
    twice = eventually(lambda: (t := task(api, tid))["duplicates"] == 1 and t)
    assert twice["effects"] == 1 and twice["attempts"] == 1


def test_a_batch_is_queued_with_one_send_batch_and_its_repeated_key_is_one_task(api, runtime, eventually):
    tasks = [{"user_id": "u4", "image_url": f"https://img.example/{n}.gif", "idempotency_key": f"batch-{n}"} for n in range(5)]
    tasks.append(dict(tasks[0]))  # the same key twice in one request
    answer = api.post("/api/tasks/batch", json={"tasks": tasks})
    assert answer.status_code == 202 and answer.json()["queued"] == 5
    ids = [t["id"] for t in answer.json()["tasks"]]
    assert ids[5] == ids[0] and answer.json()["tasks"][5]["duplicate"] is True
    eventually(lambda: all(task(api, tid)["status"] == "done" for tid in set(ids)))
    assert all(task(api, tid)["effects"] == 1 for tid in set(ids))
    assert eventually(lambda: any("Retrieved a batch of" in line.message for line in runtime.recent_logs()))
    assert api.post("/api/tasks/batch", json={"tasks": []}).status_code == 422


def test_a_bad_task_is_retried_on_its_own_then_dead_lettered_with_its_reason_and_a_replay_completes_it(api, ops, eventually):
    good = api.post("/api/tasks", json={"user_id": "u5", "image_url": "https://img.example/ok.png"}).json()["id"]
    bad = api.post("/api/tasks", json={"user_id": "u5", "image_url": "https://img.example/movie.mkv"}).json()["id"]
    eventually(lambda: task(api, good)["status"] == "done")
    letter = eventually(lambda: next((m for m in ops.get("/__tova/dlq").json()["messages"]
                                      if m["body"]["task_id"] == bad), None), timeout=90)
    assert letter["attempts"] == 4 and letter["queue"] == "tasks" and letter["dlq"] == "tasks-dlq"
    assert letter["error"] == f"task {bad}: unsupported image type `.mkv` in https://img.example/movie.mkv"
    assert (task(api, bad)["status"], task(api, bad)["effects"]) == ("retrying", 0)

    assert api.patch(f"/api/tasks/{bad}", json={"image_url": "https://img.example/movie.png"}).status_code == 200
    assert ops.post("/__tova/dlq/replay", json={"ids": [letter["id"]]}).json()["replayed"] == [letter["id"]]
    done = eventually(lambda: (t := task(api, bad))["status"] == "done" and t, timeout=60)
    assert (done["format"], done["effects"], done["error"]) == ("png", 1, None)
