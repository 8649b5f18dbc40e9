"""Sources misbehaving while the console polls, over real HTTP on loopback: a stats endpoint answering
500, garbage, a 10 MB body, hanging for 30 s, or resetting the connection. The poll always returns,
the source is marked down with the reason, the last good values stay (marked stale by the source's
last_ok_at), and it recovers by itself once the endpoint does."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from console.ops_client import OpsClient
from console.poller import Poller
from console.sources.stats import StatsSource


class Endpoint(BaseHTTPRequestHandler):
    mode = "ok"
    served = 0

    def do_GET(self):  # noqa: N802 (http.server's spelling)
        mode = Endpoint.mode
        if mode == "reset":
            # SO_LINGER 0: close sends a RST, as a crashed proxy would
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if mode == "hang":
            time.sleep(30)
        body = {
            "ok": json.dumps({"jobs": 5, "queue": {"depth": 2}}).encode(),
            "500": json.dumps({"error": "database is locked"}).encode(),
            "garbage": b"<html>502 Bad Gateway</html>",
            "huge": b'{"pad": "' + b"x" * (10 * 1024 * 1024) + b'"}',
            "hang": b"{}",
        }[mode]
        self.send_response(500 if mode == "500" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        Endpoint.served += 1

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Endpoint.mode = "ok"
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("mode, reason", [
    ("500", "HTTP 500: database is locked"),
    ("garbage", "answer is not JSON"),
    ("huge", "answer too large"),
    ("hang", "timed out"),
    ("reset", "api GET /api/stats"),
])
def test_a_misbehaving_stats_endpoint_is_marked_down_and_recovers(endpoint, mode, reason):
    async def scenario():
        async with httpx.AsyncClient(timeout=httpx.Timeout(3.0)) as http:
            source = StatsSource(OpsClient(http, "api", endpoint, None), "api", "/api/stats", {})
            poller = Poller([source], project="p", target="local", source_timeout=2.0)
            good = await poller.poll()
            assert good.source("stats:api").ok and {s.key: s.value for s in good.stats} == {"jobs": 5, "queue.depth": 2}

            Endpoint.mode = mode
            started = time.monotonic()
            bad = await poller.poll()
            took = time.monotonic() - started
            status = bad.source("stats:api")
            assert not status.ok and reason in status.error, status.error
            assert took < 6, f"a poll must not wait on a hanging source ({took:.1f} s)"
            assert bad.stats == good.stats  # last good values kept ...
            assert status.last_ok_at == good.source("stats:api").polled_at  # ... and known to be stale

            Endpoint.mode = "ok"
            back = await poller.poll()
            assert back.source("stats:api").ok and back.stats == good.stats

    asyncio.run(scenario())
