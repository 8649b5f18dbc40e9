"""examples/pixflare (seed 003) on workerd: three queues with their own settings and dead-letter queues.
An upload gets its variants and its backup in the background; a non-image is retried with backoff and
dead-lettered with its reason, corrected and replayed; a domain re-enqueues itself with a delay until its
DNS shows up (or gives up); the cron sweeps imported images onto the variants queue."""

from __future__ import annotations

import pytest

from tests.e2e.seed_examples import api_client, ops_client, running_example

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    # checks a second apart and three at most, so the test does not wait out DNS's 20 minutes
    with running_example("pixflare", tmp_path_factory.mktemp("pixflare"), vars={"DOMAIN_RECHECK_S": "1", "MAX_DOMAIN_CHECKS": "3", "STUCK_AFTER_S": "0"}) as rt:
        yield rt


@pytest.fixture(scope="module")
def api(runtime):
    with api_client(runtime) as client:
        yield client


@pytest.fixture(scope="module")
def ops(runtime):
    with ops_client(runtime, "processor") as client:
        yield client


def image(api, iid):
    return api.get(f"/api/images/{iid}").json()


def test_the_manifest_has_three_queues_each_with_its_own_settings_and_dead_letter_queue(runtime):
    queues = {q["name"]: q for q in runtime.manifest["queues"]}
    settings = {name: (q["consumer"]["max_batch_size"], q["consumer"]["max_batch_timeout"], q["consumer"]["dead_letter_queue"])
                for name, q in queues.items() if q["consumer"] and not q["dead_letter_for"]}
    assert settings == {"variants": (5, 2, "variants-dlq"), "backups": (10, 5, "backups-dlq"), "domains": (5, 1, "domains-dlq")}
    assert {q["name"] for q in queues.values() if q["dead_letter_for"]} == {"variants-dlq", "backups-dlq", "domains-dlq"}


def test_an_upload_gets_its_variants_and_its_backup_in_the_background(api, eventually):
    accepted = api.post("/api/images", content=PNG, headers={"Content-Type": "image/png", "X-Owner": "ana"})
    assert accepted.status_code == 202
    iid = accepted.json()["id"]
    done = eventually(lambda: (i := image(api, iid))["variants_ready"] and i["backup_status"] == "backed_up" and i, timeout=60)
    assert (done["status"], done["owner"], done["attempts"]) == ("ready", "ana", 1)
    assert api.delete(f"/api/images/{iid}").status_code == 202
    assert eventually(lambda: image(api, iid)["backup_status"] == "removed", timeout=60)


def test_a_non_image_is_retried_with_backoff_dead_lettered_with_its_reason_and_replayed_once_corrected(api, ops, eventually):
    iid = api.post("/api/images", content=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}).json()["id"]
    letter = eventually(lambda: next((m for m in ops.get("/__tova/dlq", params={"queue": "variants"}).json()["messages"]
                                      if m["body"]["image_id"] == iid), None), timeout=90)
    assert (letter["queue"], letter["dlq"], letter["attempts"]) == ("variants", "variants-dlq", 4)
    assert letter["error"] == f"image {iid} is application/pdf, not an image: no variants"
    assert image(api, iid)["status"] == "failed"

    assert api.patch(f"/api/images/{iid}", json={"content_type": "image/png"}).status_code == 200
    assert ops.post("/__tova/dlq/replay", json={"ids": [letter["id"]]}).json()["replayed"] == [letter["id"]]
    assert eventually(lambda: image(api, iid)["variants_ready"], timeout=60)


def test_a_domain_is_checked_again_later_until_its_dns_shows_up(api, eventually):
    pending = api.post("/api/domains", json={"hostname": "photos.example.com"}).json()
    eventually(lambda: api.get(pending["status_url"]).json()["checks"] >= 1)
    assert api.post(f"/api/domains/{pending['id']}/dns").status_code == 200
    active = eventually(lambda: (d := api.get(pending["status_url"]).json())["status"] == "active" and d, timeout=30)
    assert active["checks"] >= 2  # at least one re-enqueued check before the record appeared


def test_a_domain_whose_dns_never_shows_up_fails_after_its_last_check(api, eventually):
    pending = api.post("/api/domains", json={"hostname": "never.example.com"}).json()
    failed = eventually(lambda: (d := api.get(pending["status_url"]).json())["status"] == "failed" and d, timeout=60)
    assert (failed["checks"], failed["error"]) == (3, "DNS record not found")


def test_the_cron_sweeps_imported_images_onto_the_variants_queue(api, runtime, eventually):
    iid = api.post("/api/images/import", content=PNG, headers={"Content-Type": "image/png"}).json()["id"]
    assert image(api, iid)["variants_ready"] is False
    assert runtime.trigger_scheduled("processor", "*/10 * * * *") == "ok"
    assert eventually(lambda: image(api, iid)["variants_ready"], timeout=60)
    assert eventually(lambda: any("stuck image(s) back onto VARIANTS" in line.message for line in runtime.recent_logs()))
