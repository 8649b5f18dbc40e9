"""When the runner exits, what it wrote last (why it stopped) is read before `running` says it is gone:
a caller that sees the runtime down and looks at the logs finds the reason, also on a loaded machine
where the reading thread lags behind the exit."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from console.targets.local.runtime import LocalRuntime


def test_the_runners_last_lines_are_read_before_running_turns_false(tmp_path: Path, monkeypatch):
    out = tmp_path / ".tova-out"
    out.mkdir()
    (out / "manifest.json").write_text('{"version": 1, "workers": []}')
    runtime = LocalRuntime(out / "manifest.json")
    last = {"event": "log", "worker": "runtime", "level": "error", "message": "workerd exited unexpectedly"}
    runner = subprocess.Popen([sys.executable, "-c", f"print({json.dumps(json.dumps(last))}, flush=True)"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    add_log = runtime._add_log

    def lagging(line):  # the reading thread behind, as on a busy machine
        time.sleep(0.5)
        add_log(line)

    monkeypatch.setattr(runtime, "_add_log", lagging)
    runtime._process = runner
    runtime._threads = [threading.Thread(target=runtime._read_events, args=(runner,), daemon=True)]
    runtime._threads[0].start()
    runner.wait()
    assert not runtime.running
    assert "workerd exited unexpectedly" in [line.message for line in runtime.recent_logs()]
