"""What `tova console` costs a terminal over SSH: bytes written per second while idle, CPU, memory, and
the time from start to the first frame with data.

Runs the real console (real session, local workerd) on a copy of examples/jobs inside a pseudo-terminal
of 120x40 (TERM=xterm-256color, 2 s interval, so the stats and queue charts are on screen), reads
everything it writes, and after the first data frame and a settling time counts bytes for a window while
nothing happens. CPU and RSS are the console's own Python process (workerd is the runtime's cost, not
the console's). Goals (issue 5): under 2 KB/s, under 2 % of a core, under 120 MB.

    .venv/bin/python benchmarks/console_tty.py [--cols 120] [--rows 40] [--interval 2] [--window 30]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
FIRST_DATA = re.compile(rb"data at \d\d:\d\d:\d\d")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Terminal:
    """A child process on a pty of a given size; everything it writes is counted with a timestamp."""

    def __init__(self, argv: list[str], cols: int, rows: int, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.pid, signal.SIGWINCH)
        self.total = 0
        self.recording: bytearray | None = None
        self.screen_text = b""  # the output with escape codes removed, for finding the first data frame

    def read_for(self, seconds: float, stop_when: re.Pattern[bytes] | None = None) -> bool:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return False
            self.total += len(chunk)
            if self.recording is not None:
                self.recording += chunk
            if stop_when is not None:
                self.screen_text = (self.screen_text + ANSI.sub(b"", chunk))[-4096:]
                if stop_when.search(self.screen_text):
                    return True
        return False

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def quit(self) -> None:
        """`q` as a user would, then SIGTERM if it is still there after 20 s; reaps the child."""
        self.send(b"q")
        self.read_for(20)
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the first data frame")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of idle measured")
    parser.add_argument("--theme", default="tova-dark")
    parser.add_argument("--dump", type=Path, help="write the bytes of the idle window here (to see what redraws)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "examples" / "jobs", Path(tmp) / "jobs",
                        ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
        env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "COLORTERM": "truecolor",
               "XDG_CONFIG_HOME": str(Path(tmp) / "config")}
        argv = [sys.executable, "-m", "console.cli", "console", str(Path(tmp) / "jobs" / "jobs.tova"),
                "--interval", str(args.interval), "--theme", args.theme]
        os.chdir(ROOT)
        started = time.monotonic()
        term = Terminal(argv, args.cols, args.rows, env)
        try:
            if not term.read_for(180, FIRST_DATA):
                print("console_tty: no data frame within 180 s", file=sys.stderr)
                return 1
            first_frame = time.monotonic() - started
            startup_bytes = term.total
            term.read_for(args.settle)
            bytes_before, cpu_before, t_before = term.total, cpu_seconds(term.pid), time.monotonic()
            term.recording = bytearray() if args.dump else None
            term.read_for(args.window)
            if args.dump:
                args.dump.write_bytes(bytes(term.recording))
            elapsed = time.monotonic() - t_before
            idle_rate = (term.total - bytes_before) / elapsed
            cpu_pct = 100 * (cpu_seconds(term.pid) - cpu_before) / elapsed
            rss = rss_bytes(term.pid)
        finally:
            term.quit()

    print(f"terminal {args.cols}x{args.rows}, interval {args.interval:g} s, theme {args.theme}, "
          f"idle window {args.window:g} s")
    print("| first data frame | startup bytes | idle bytes/s | CPU (console) | RSS (console) |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {first_frame:.1f} s | {startup_bytes / 1024:.0f} KB | {idle_rate:.0f} B/s | {cpu_pct:.1f} % | "
          f"{rss / 2**20:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
