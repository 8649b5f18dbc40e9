"""Real screenshots of `tova console` on the running examples: rerun with

    .venv/bin/python screenshots/make_screenshots.py [jobs inference tasks pixflare]

For jobs it copies examples/jobs to a temporary folder, starts the console (the real app, the real
session and the local workerd runtime, headless at 140x42), sends a few good jobs and two poisoned ones
through the API, and saves SVGs into this folder: healthy, with dead letters, the dead-letter detail,
the help. For each seed example (inference, tasks, pixflare) it sends good work and one poisoned input
and saves the console with its dead letter at 80x24 (an SSH terminal) and 120x40.
Secrets are never on screen: the console shows none, and the inputs carry none.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.commands.console_cmd import make_opener  # noqa: E402
from console.model import Health  # noqa: E402
from console.ui.app import ConsoleApp  # noqa: E402
from console.ui.config import ConsoleConfig  # noqa: E402
from console.ui.screens.dashboard import DashboardScreen  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZE = (140, 42)
BOUND_S = 180


async def until(pilot, condition, what: str) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshots: gave up waiting for {what}")
        await pilot.pause(0.1)


def save(app: ConsoleApp, name: str) -> None:
    app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    print(f"wrote screenshots/{name}.svg")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "examples" / "jobs", Path(tmp) / "jobs",
                        ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
        source = Path(tmp) / "jobs" / "jobs.tova"
        app = ConsoleApp(make_opener(source, "local", False), ConsoleConfig(interval=1.0),
                         title="tova console · jobs.tova")
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.snapshot is not None
                        and all(w.health == Health.OK for w in app.snapshot.workers), "healthy workers")
            target = app.session.target
            async with httpx.AsyncClient(base_url=target.worker_urls()["api"], timeout=10,
                                         headers={"X-API-Key": target.secret("API_KEY")}) as api:
                for task in ("resize", "thumbnail", "transcode"):
                    await api.post("/api/jobs", json={"task": task})
                await until(pilot, lambda: any(s.key == "completed" and s.value >= 3 for s in app.snapshot.stats),
                            "three completed jobs")
                await pilot.pause(3)  # a few polls, so the charts have a history
                save(app, "console-healthy")
                await api.post("/api/jobs", json={"task": "resize", "fail": True, "reason": "corrupt image"})
                await api.post("/api/jobs", json={"task": "transcode", "fail": True,
                                                  "reason": "codec not supported: hevc"})
                await until(pilot, lambda: app.snapshot.dead_letter_total >= 2, "two dead letters")
                await pilot.pause(2)
                save(app, "console-dead-letters")
                app.action_open_dead_letter(app.dashboard.selected_dead_letter)
                await pilot.pause(0.5)
                save(app, "console-detail")
                await pilot.press("escape", "question_mark")
                await pilot.pause(0.5)
                save(app, "console-help")


# what each seed example is sent: (method, path, body, content type), the last one poisoned
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WORK = {
    "inference": [("POST", "/api/analyses", {"text": "I love it, it works great"}, None),
                  ("POST", "/api/analyses", {"text": "awful and slow"}, None),
                  ("POST", "/api/analyses", {"text": "please TOVA_AI_FAIL this one"}, None)],
    "tasks": [("POST", "/api/tasks", {"user_id": "u1", "image_url": "https://img.example/cat.png"}, None),
              ("POST", "/api/tasks/batch", {"tasks": [{"user_id": "u2", "image_url": f"https://img.example/{n}.jpg"} for n in range(4)]}, None),
              ("POST", "/api/tasks", {"user_id": "u3", "image_url": "https://img.example/movie.mkv"}, None)],
    "pixflare": [("POST", "/api/images", PNG, "image/png"), ("POST", "/api/images", PNG, "image/png"),
                 ("POST", "/api/domains", {"hostname": "photos.example.com"}, None),
                 ("POST", "/api/images", b"%PDF-1.7", "application/pdf")],
}


async def example(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "examples" / name, Path(tmp) / name,
                        ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
        source = Path(tmp) / name / f"{name}.tova"
        app = ConsoleApp(make_opener(source, "local", False), ConsoleConfig(interval=1.0),
                         title=f"tova console · {name}.tova")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.snapshot is not None
                        and all(w.health == Health.OK for w in app.snapshot.workers), "healthy workers")
            target = app.session.target
            async with httpx.AsyncClient(base_url=target.worker_urls()["api"], timeout=10,
                                         headers={"X-API-Key": target.secret("API_KEY")}) as api:
                for method, path, body, ctype in WORK[name]:
                    if ctype is None:
                        await api.request(method, path, json=body)
                    else:
                        await api.request(method, path, content=body, headers={"Content-Type": ctype})
            await until(pilot, lambda: app.snapshot.dead_letter_total >= 1, "a dead letter")
            await pilot.pause(3)
            save(app, f"{name}-80x24")
            await pilot.resize_terminal(120, 40)
            await pilot.pause(2)
            save(app, f"{name}-120x40")


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["jobs", *WORK]
    for name in chosen:
        asyncio.run(main() if name == "jobs" else example(name))
