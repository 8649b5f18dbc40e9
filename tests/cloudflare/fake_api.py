"""A small fake of the Cloudflare API on loopback, speaking its documented JSON envelopes.

It implements only the endpoints `tova` uses, with the shapes of the API reference (v4 envelope
``{success, errors, messages, result, result_info}``; page-numbered lists for KV and D1, a cursor for
R2 buckets). Every page-numbered list pages, with ``result_info`` as the API sends it, and answers
at most ``max_page`` items however many were asked for (the real API caps ``per_page`` too): tests set
it small so an account "with more than one page" is the normal case. The SDK types queues, consumers,
scripts and secrets as single pages; the fake pages them anyway, so a client that reads one page is
caught. Consumers answer with ``script`` (what the API sends and wrangler reads; the SDK's type says
``script_name``). A ``/graphql`` endpoint answers the analytics datasets asked for. Tails are served
as the Workers tail API does: a POST makes one and answers a websocket URL (a real websocket server
on loopback, subprotocol ``trace-v1``), tests push trace events with ``tail_send`` and drop a socket
with ``tail_drop``; a DELETE ends it. D1 queries run on a real in-memory SQLite per database, so a
migration that is applied twice fails the way it would on D1.

Tests drive it through the real ``cloudflare`` SDK and httpx (``CLOUDFLARE_BASE_URL`` points here), and
inspect ``calls`` (method, path) to count what a deploy did. Faults are injected per route:
``fail(method, pattern, status, ...)`` answers with an error envelope (or ``success: false`` on 200).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import socket
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

PREFIX = "/client/v4"
CONSUMER_DEFAULTS = {"batch_size": 10, "max_retries": 3, "max_wait_time_ms": 5000, "retry_delay": 0, "max_concurrency": None}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    errors: list[dict[str, Any]]
    times: int
    headers: dict[str, str]


@dataclass
class Call:
    method: str
    path: str  # without the /client/v4 prefix or the query
    query: dict[str, list[str]]
    body: Any = None


@dataclass
class Script:
    name: str
    etag: str
    metadata: dict[str, Any]
    modules: dict[str, bytes]
    created_on: str
    modified_on: str
    secrets: dict[str, str] = field(default_factory=dict)
    schedules: list[str] = field(default_factory=list)
    workers_dev: bool = False


class FakeCloudflare:
    def __init__(self, token: str, account_id: str, subdomain: str | None = "tova-test") -> None:
        self.token = token
        self.account_id = account_id
        self.subdomain = subdomain
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.kv: list[dict[str, Any]] = []
        self.d1: list[dict[str, Any]] = []
        self.d1_sql: dict[str, sqlite3.Connection] = {}
        self.r2: list[dict[str, Any]] = []
        self.queues: list[dict[str, Any]] = []
        self.consumers: dict[str, list[dict[str, Any]]] = {}  # queue_id -> consumers
        self.scripts: dict[str, Script] = {}
        self.queue_metrics: dict[str, dict[str, float]] = {}  # queue name -> metrics
        self.analytics: dict[str, list[dict[str, Any]]] = {}  # dataset -> rows (with dimensions)
        self.graphql_queries: list[dict[str, Any]] = []
        self.graphql_errors: list[dict[str, Any]] = []  # set to answer the next queries with these, on HTTP 200
        self.dataset_errors: dict[str, str] = {}  # dataset -> the error a query asking it gets
        self.dataset_limits: dict[str, dict[str, Any]] = {}  # dataset -> settings node fields
        self.max_page = 1000  # the most items one page holds, whatever per_page asked
        self.consumer_script_key = "script"  # how a consumer names its worker in answers
        self.gradual: set[str] = set()  # scripts whose latest version is not fully deployed
        self.r2_objects: dict[str, int] = {}  # bucket -> objects in it (a bucket must be empty to delete)
        self.tails: dict[str, dict[str, Any]] = {}  # id -> {script, filters, socket, debug, deleted}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._ws_server: Any = None

    # ----- life cycle

    def start(self) -> FakeCloudflare:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes; without this, Nagle and delayed ACKs add ~40 ms each
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = fake.dispatch(self.command, self.path, dict(self.headers), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        from websockets.sync.server import serve

        self._ws_server = serve(self._tail_socket, "127.0.0.1", 0, subprotocols=["trace-v1"])
        threading.Thread(target=self._ws_server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._ws_server:
            self._ws_server.shutdown()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    # ----- test controls

    def fail(self, method: str, pattern: str, status: int = 500, *, message: str = "internal error",
             code: int = 10013, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests matching answer ``status`` with an error envelope (200 means
        ``success: false`` with HTTP 200, which the SDK turns into ``None``)."""
        self.faults.append(Fault(method.upper(), re.compile(pattern), status, [{"code": code, "message": message}],
                                 times, headers or {}))

    def writes(self) -> list[Call]:
        """Calls that create or change something (a D1 query counts: it may write)."""
        return [c for c in self.calls if c.method in ("POST", "PUT", "PATCH", "DELETE") and c.path != "/graphql"]

    def count(self, method: str, pattern: str) -> int:
        rx = re.compile(pattern)
        return sum(1 for c in self.calls if c.method == method and rx.fullmatch(c.path))

    # ----- HTTP

    def dispatch(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        if not parts.path.startswith(PREFIX):
            return 404, self._error(7000, "No route for that URI"), {}
        path = parts.path[len(PREFIX):]
        query = parse_qs(parts.query)
        body = self._body(headers, raw)
        with self._lock:
            self.calls.append(Call(method, path, query, body))
            if headers.get("Authorization", headers.get("authorization")) != f"Bearer {self.token}":
                return 403, self._error(10000, "Authentication error"), {}
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.pattern.fullmatch(path):
                    fault.times -= 1
                    if fault.status == 200:
                        return 200, {"success": False, "errors": fault.errors, "messages": [], "result": None}, fault.headers
                    return fault.status, {"success": False, "errors": fault.errors, "messages": [], "result": None}, fault.headers
            if path == "/graphql" and method == "POST":
                return 200, self.graphql(body), {}
            acct = f"/accounts/{self.account_id}"
            if not path.startswith(acct + "/"):
                return 403, self._error(10000, "Authentication error"), {}
            rest = path[len(acct):]
            for route_method, pattern, handler in self._routes():
                if route_method == method:
                    match = re.fullmatch(pattern, rest)
                    if match:
                        return handler(query, body, *match.groups())
            return 404, self._error(7003, f"Could not route to {path}, perhaps your object identifier is invalid?"), {}

    def _body(self, headers: dict[str, str], raw: bytes) -> Any:
        ctype = headers.get("Content-Type") or headers.get("content-type") or ""
        if ctype.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            parts = []
            for part in message.iter_parts():
                parts.append({"name": part.get_param("name", header="content-disposition"),
                              "filename": part.get_filename(), "type": part.get_content_type(),
                              "data": part.get_payload(decode=True)})
            return {"multipart": parts}
        if raw:
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        return None

    @staticmethod
    def _ok(result: Any, result_info: dict[str, Any] | None = None, status: int = 200) -> tuple[int, Any, dict[str, str]]:
        body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
        if result_info is not None:
            body["result_info"] = result_info
        return status, body, {}

    @staticmethod
    def _error(code: int, message: str) -> dict[str, Any]:
        return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}

    def _fail(self, status: int, code: int, message: str) -> tuple[int, Any, dict[str, str]]:
        return status, self._error(code, message), {}

    def _id(self) -> str:
        return uuid.UUID(int=next(self._ids)).hex

    def _paged(self, items: list[Any], query: dict[str, list[str]], default_per_page: int = 20) -> tuple[int, Any, dict[str, str]]:
        page = int(query.get("page", ["1"])[0])
        per_page = min(int(float(query.get("per_page", [str(default_per_page)])[0])), self.max_page)
        chunk = items[(page - 1) * per_page: page * per_page]
        total_pages = max(1, -(-len(items) // per_page))
        return FakeCloudflare._ok(chunk, {"page": page, "per_page": per_page, "count": len(chunk),
                                          "total_count": len(items), "total_pages": total_pages})

    def _routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any, dict[str, str]]]]]:
        seg = r"([^/]+)"
        return [
            ("GET", r"/workers/subdomain", self.get_subdomain),
            ("GET", r"/storage/kv/namespaces", lambda q, b: self._paged(self.kv, q)),
            ("POST", r"/storage/kv/namespaces", self.create_kv),
            ("GET", r"/d1/database", self.list_d1),
            ("POST", r"/d1/database", self.create_d1),
            ("POST", rf"/d1/database/{seg}/query", self.query_d1),
            ("GET", r"/r2/buckets", self.list_r2),
            ("POST", r"/r2/buckets", self.create_r2),
            ("GET", r"/queues", lambda q, b: self._paged(self.queues, q)),
            ("DELETE", rf"/queues/{seg}", self.delete_queue),
            ("DELETE", rf"/queues/{seg}/consumers/{seg}", self.delete_consumer),
            ("DELETE", rf"/workers/scripts/{seg}", self.delete_script),
            ("DELETE", rf"/storage/kv/namespaces/{seg}", self.delete_kv),
            ("DELETE", rf"/d1/database/{seg}", self.delete_d1),
            ("DELETE", rf"/r2/buckets/{seg}", self.delete_r2),
            ("POST", r"/queues", self.create_queue),
            ("GET", rf"/queues/{seg}/metrics", self.queue_metrics_of),
            ("GET", rf"/queues/{seg}/consumers", self.list_consumers),
            ("POST", rf"/queues/{seg}/consumers", self.create_consumer),
            ("PUT", rf"/queues/{seg}/consumers/{seg}", self.update_consumer),
            ("GET", r"/workers/scripts", self.list_scripts),
            ("PUT", rf"/workers/scripts/{seg}", self.upload_script),
            ("GET", rf"/workers/scripts/{seg}/secrets", self.list_secrets),
            ("PUT", rf"/workers/scripts/{seg}/secrets", self.put_secret),
            ("GET", rf"/workers/scripts/{seg}/schedules", self.get_schedules),
            ("PUT", rf"/workers/scripts/{seg}/schedules", self.put_schedules),
            ("GET", rf"/workers/scripts/{seg}/subdomain", self.get_script_subdomain),
            ("POST", rf"/workers/scripts/{seg}/tails", self.create_tail),
            ("DELETE", rf"/workers/scripts/{seg}/tails/{seg}", self.delete_tail),
            ("POST", rf"/workers/scripts/{seg}/subdomain", self.post_script_subdomain),
        ]

    # ----- handlers

    def get_subdomain(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not self.subdomain:
            return self._fail(404, 10007, "This account does not have a workers.dev subdomain")
        return self._ok({"subdomain": self.subdomain})

    def create_kv(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        title = (body or {}).get("title")
        if not title:
            return self._fail(400, 10026, "a title is required")
        if any(ns["title"] == title for ns in self.kv):
            return self._fail(400, 10014, "a namespace with this account ID and title already exists")
        ns = {"id": self._id(), "title": title, "supports_url_encoding": True}
        self.kv.append(ns)
        return self._ok(ns)

    def list_d1(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any, dict[str, str]]:
        name = query.get("name", [None])[0]
        items = [db for db in self.d1 if name is None or name in db["name"]]
        return self._paged(items, query, default_per_page=1000)

    def create_d1(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        name = (body or {}).get("name")
        if any(db["name"] == name for db in self.d1):
            return self._fail(400, 7502, "A database with that name already exists")
        db = {"uuid": str(uuid.UUID(int=next(self._ids))), "name": name, "created_at": _now(), "version": "production",
              "num_tables": 0, "file_size": 0}
        self.d1.append(db)
        self.d1_sql[db["uuid"]] = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        return self._ok(db)

    def query_d1(self, query: Any, body: Any, db_id: str) -> tuple[int, Any, dict[str, str]]:
        conn = self.d1_sql.get(db_id)
        if conn is None:
            return self._fail(404, 7404, "The database could not be found")
        sql, params = (body or {}).get("sql", ""), (body or {}).get("params") or []
        try:
            if params or sql.strip().upper().startswith("SELECT"):
                cursor = conn.execute(sql, params)
                cols = [d[0] for d in cursor.description or []]
                rows = [dict(zip(cols, row)) for row in cursor.fetchall()]
            else:
                conn.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
                rows = []
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return self._fail(400, 7500, f"{exc}: SQLITE_ERROR")
        return self._ok([{"results": rows, "success": True, "meta": {"changed_db": not rows, "changes": 0}}])

    def list_r2(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any, dict[str, str]]:
        per_page = int(float(query.get("per_page", ["20"])[0]))
        start = int(query.get("cursor", ["0"])[0])
        chunk = self.r2[start:start + per_page]
        cursor = str(start + per_page) if start + per_page < len(self.r2) else ""
        return self._ok({"buckets": chunk}, {"cursor": cursor, "per_page": per_page})

    def create_r2(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        name = (body or {}).get("name", "")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name):
            return self._fail(400, 10005, "The specified bucket name is not valid")
        if any(b["name"] == name for b in self.r2):
            return self._fail(409, 10004, "The bucket you tried to create already exists, and you own it")
        bucket = {"name": name, "creation_date": _now(), "location": "WEUR", "storage_class": "Standard"}
        self.r2.append(bucket)
        return self._ok(bucket)

    def create_queue(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        name = (body or {}).get("queue_name")
        if any(q["queue_name"] == name for q in self.queues):
            return self._fail(409, 11009, "A queue with this name already exists")
        queue = {"queue_id": self._id(), "queue_name": name, "created_on": _now(), "modified_on": _now(),
                 "producers": [], "producers_total_count": 0, "consumers": [], "consumers_total_count": 0,
                 "settings": {"delivery_delay": 0, "delivery_paused": False, "message_retention_period": 345600}}
        self.queues.append(queue)
        self.consumers[queue["queue_id"]] = []
        return self._ok(queue)

    def _queue(self, queue_id: str) -> dict[str, Any] | None:
        return next((q for q in self.queues if q["queue_id"] == queue_id), None)

    def queue_metrics_of(self, query: Any, body: Any, queue_id: str) -> tuple[int, Any, dict[str, str]]:
        queue = self._queue(queue_id)
        if queue is None:
            return self._fail(404, 11000, "Queue not found")
        metrics = {"backlog_count": 0, "backlog_bytes": 0, "oldest_message_timestamp_ms": 0}
        metrics.update(self.queue_metrics.get(queue["queue_name"], {}))
        return self._ok(metrics)

    def list_consumers(self, query: Any, body: Any, queue_id: str) -> tuple[int, Any, dict[str, str]]:
        if self._queue(queue_id) is None:
            return self._fail(404, 11000, "Queue not found")
        return self._paged(self.consumers[queue_id], query)

    def _consumer_from(self, body: dict[str, Any], queue: dict[str, Any], consumer_id: str) -> tuple[int, Any, dict[str, str]] | dict[str, Any]:
        script = body.get("script_name")
        if body.get("type") != "worker" or script not in self.scripts:
            return self._fail(400, 11004, f"worker {script!r} does not exist")
        dlq = body.get("dead_letter_queue") or ""
        if dlq and not any(q["queue_name"] == dlq for q in self.queues):
            return self._fail(400, 11005, f"dead letter queue {dlq!r} does not exist")
        settings = dict(CONSUMER_DEFAULTS) | (body.get("settings") or {})
        return {"consumer_id": consumer_id, "queue_name": queue["queue_name"], self.consumer_script_key: script, "type": "worker",
                "dead_letter_queue": dlq, "settings": settings, "created_on": _now()}

    def create_consumer(self, query: Any, body: Any, queue_id: str) -> tuple[int, Any, dict[str, str]]:
        queue = self._queue(queue_id)
        if queue is None:
            return self._fail(404, 11000, "Queue not found")
        if any(c["type"] == "worker" for c in self.consumers[queue_id]):
            return self._fail(400, 11003, "Queue already has a worker consumer")
        made = self._consumer_from(body or {}, queue, self._id())
        if isinstance(made, tuple):
            return made
        self.consumers[queue_id].append(made)
        return self._ok(made)

    def update_consumer(self, query: Any, body: Any, queue_id: str, consumer_id: str) -> tuple[int, Any, dict[str, str]]:
        queue = self._queue(queue_id)
        existing = [c for c in self.consumers.get(queue_id, []) if c["consumer_id"] == consumer_id]
        if queue is None or not existing:
            return self._fail(404, 11000, "Consumer not found")
        made = self._consumer_from(body or {}, queue, consumer_id)
        if isinstance(made, tuple):
            return made
        self.consumers[queue_id] = [made if c["consumer_id"] == consumer_id else c for c in self.consumers[queue_id]]
        return self._ok(made)

    def list_scripts(self, query: Any, body: Any) -> tuple[int, Any, dict[str, str]]:
        return self._paged([{"id": s.name, "etag": s.etag, "created_on": s.created_on, "modified_on": s.modified_on,
                             "handlers": ["fetch"], "has_modules": True} for s in self.scripts.values()], query)

    def upload_script(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        parts = (body or {}).get("multipart") if isinstance(body, dict) else None
        if not parts:
            return self._fail(400, 10021, "Expected a multipart/form-data upload with metadata and modules")
        meta_part = next((p for p in parts if p["name"] == "metadata"), None)
        if meta_part is None:
            return self._fail(400, 10021, "metadata part missing")
        metadata = json.loads(meta_part["data"])
        modules = {p["filename"]: p["data"] for p in parts if p["name"] != "metadata" and p["filename"]}
        main = metadata.get("main_module")
        if main not in modules:
            return self._fail(400, 10021, f"main_module {main!r} is not among the uploaded parts")
        for b in metadata.get("bindings", []):
            problem = self._binding_problem(b)
            if problem:
                return self._fail(400, 10021, f"binding {b.get('name')}: {problem}")
        old = self.scripts.get(name)
        now = _now()
        script = Script(name=name, etag=uuid.uuid4().hex, metadata=metadata, modules=modules,
                        created_on=old.created_on if old else now, modified_on=now)
        if old:
            keep = metadata.get("keep_bindings") or []
            script.secrets = old.secrets if "secret_text" in keep else {}
            script.schedules, script.workers_dev = old.schedules, old.workers_dev
        self.scripts[name] = script
        return self._ok({"id": name, "etag": script.etag, "created_on": script.created_on,
                         "modified_on": script.modified_on, "startup_time_ms": 3, "has_modules": True})

    def _binding_problem(self, b: dict[str, Any]) -> str | None:
        kind = b.get("type")
        if kind == "kv_namespace":
            return None if any(ns["id"] == b.get("namespace_id") for ns in self.kv) else "no such KV namespace"
        if kind == "d1":
            db = b.get("id") or b.get("database_id")
            return None if any(d["uuid"] == db for d in self.d1) else "no such D1 database"
        if kind == "r2_bucket":
            return None if any(r["name"] == b.get("bucket_name") for r in self.r2) else "no such R2 bucket"
        if kind == "queue":
            return None if any(q["queue_name"] == b.get("queue_name") for q in self.queues) else "no such queue"
        if kind == "ai":
            return None
        if kind in ("plain_text", "secret_text"):
            return None if isinstance(b.get("text"), str) else "text missing"
        return f"unknown binding type {kind!r}"

    def _script(self, name: str) -> Script | None:
        return self.scripts.get(name)

    def list_secrets(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        return self._paged([{"name": n, "type": "secret_text"} for n in sorted(script.secrets)], query)

    def put_secret(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        if name in self.gradual:
            return self._fail(400, 10215, "Secret edit failed. You attempted to modify a secret, but the latest version "
                                          "of your Worker isn't currently deployed. Please ensure that the latest version "
                                          "of your Worker is fully deployed (wrangler versions deploy) before modifying secrets.")
        if (body or {}).get("type") != "secret_text" or not isinstance(body.get("text"), str):
            return self._fail(400, 10021, "a secret_text needs a name and a text")
        script.secrets[body["name"]] = body["text"]
        return self._ok({"name": body["name"], "type": "secret_text"})

    def get_schedules(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        return self._ok({"schedules": [{"cron": c, "created_on": _now(), "modified_on": _now()} for c in script.schedules]})

    def put_schedules(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        if not isinstance(body, list):
            return self._fail(400, 10021, "expected a list of {cron}")
        script.schedules = [item["cron"] for item in body]
        return self._ok({"schedules": [{"cron": c} for c in script.schedules]})

    def get_script_subdomain(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        return self._ok({"enabled": script.workers_dev, "previews_enabled": False})

    def post_script_subdomain(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        script = self._script(name)
        if script is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        script.workers_dev = bool((body or {}).get("enabled"))
        return self._ok({"enabled": script.workers_dev, "previews_enabled": False})

    def delete_queue(self, query: Any, body: Any, queue_id: str) -> tuple[int, Any, dict[str, str]]:
        queue = self._queue(queue_id)
        if queue is None:
            return self._fail(404, 11000, "Queue not found")
        self.queues.remove(queue)
        self.consumers.pop(queue_id, None)
        return self._ok(None)

    def delete_consumer(self, query: Any, body: Any, queue_id: str, consumer_id: str) -> tuple[int, Any, dict[str, str]]:
        kept = [c for c in self.consumers.get(queue_id, []) if c["consumer_id"] != consumer_id]
        if self._queue(queue_id) is None or len(kept) == len(self.consumers.get(queue_id, [])):
            return self._fail(404, 11000, "Consumer not found")
        self.consumers[queue_id] = kept
        return self._ok(None)

    def delete_script(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        if name not in self.scripts:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        for consumers in self.consumers.values():
            if any(c.get(self.consumer_script_key) == name for c in consumers):
                return self._fail(400, 10064, "Cannot delete this Worker as it is a consumer of a queue")
        del self.scripts[name]
        return self._ok(None)

    def delete_kv(self, query: Any, body: Any, ns_id: str) -> tuple[int, Any, dict[str, str]]:
        kept = [ns for ns in self.kv if ns["id"] != ns_id]
        if len(kept) == len(self.kv):
            return self._fail(404, 10013, "namespace not found")
        self.kv = kept
        return self._ok(None)

    def delete_d1(self, query: Any, body: Any, db_id: str) -> tuple[int, Any, dict[str, str]]:
        kept = [db for db in self.d1 if db["uuid"] != db_id]
        if len(kept) == len(self.d1):
            return self._fail(404, 7404, "The database could not be found")
        self.d1 = kept
        self.d1_sql.pop(db_id, None)
        return self._ok(None)

    def delete_r2(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        if not any(b["name"] == name for b in self.r2):
            return self._fail(404, 10006, "The specified bucket does not exist.")
        if self.r2_objects.get(name):
            return self._fail(409, 10008, "The bucket you tried to delete is not empty.")
        self.r2 = [b for b in self.r2 if b["name"] != name]
        return self._ok(None)

    # ----- tails

    def create_tail(self, query: Any, body: Any, name: str) -> tuple[int, Any, dict[str, str]]:
        if self._script(name) is None:
            return self._fail(404, 10007, "This Worker does not exist on your account.")
        tail_id = self._id()
        port = self._ws_server.socket.getsockname()[1]
        self.tails[tail_id] = {"script": name, "filters": (body or {}).get("filters"), "socket": None,
                               "debug": None, "deleted": False}
        return self._ok({"id": tail_id, "url": f"ws://127.0.0.1:{port}/tail/{tail_id}",
                         "expires_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()})

    def delete_tail(self, query: Any, body: Any, name: str, tail_id: str) -> tuple[int, Any, dict[str, str]]:
        tail = self.tails.get(tail_id)
        if tail is None or tail["script"] != name or tail["deleted"]:
            return self._fail(404, 10007, "Tail not found")
        tail["deleted"] = True
        if tail["socket"] is not None:
            tail["socket"].close()
        return self._ok(None)

    def _tail_socket(self, socket: Any) -> None:
        tail_id = socket.request.path.rsplit("/", 1)[-1]
        tail = self.tails.get(tail_id)
        if socket.subprotocol != "trace-v1" or tail is None or tail["deleted"]:
            socket.close(1008, "unknown tail or no trace-v1 subprotocol")
            return
        try:
            tail["debug"] = json.loads(socket.recv(timeout=10)).get("debug")
        except Exception:
            socket.close(1008, "expected {debug}")
            return
        tail["socket"] = socket
        try:
            for _ in socket:  # the client says nothing more; this returns when the socket closes
                pass
        except Exception:
            pass

    def live_tails(self, script: str) -> list[dict[str, Any]]:
        return [t for t in self.tails.values() if t["script"] == script and t["socket"] is not None and not t["deleted"]]

    def tail_send(self, script: str, event: dict[str, Any]) -> int:
        """Send a trace event to every open tail of ``script``; how many got it."""
        sent = 0
        for tail in self.live_tails(script):
            try:
                tail["socket"].send(json.dumps(event))
                sent += 1
            except Exception:
                pass
        return sent

    def tail_drop(self, script: str) -> None:
        """The backend ends the connection (as on expiry or a deploy)."""
        for tail in self.live_tails(script):
            tail["socket"].close(1011, "tail backend restarted")
            tail["socket"] = None

    # ----- GraphQL analytics

    # what each dataset's own docs declare its datetime variables as (Queues "Metrics" page: Time!;
    # Workers GraphQL tutorial: string); a query declaring another type is refused, as a typed schema would
    DATASET_TIME_TYPES = {"queueMessageOperationsAdaptiveGroups": "Time", "queueBacklogAdaptiveGroups": "Time",
                          "queueConsumerMetricsAdaptiveGroups": "Time", "workersInvocationsAdaptive": "string"}
    WORKER_STATUSES = {"success", "clientDisconnected", "scriptThrewException", "exceededResources", "internalError"}

    def graphql(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return {"data": None, "errors": [{"message": "request body must be {query, variables}"}]}
        query, variables = body["query"], body.get("variables") or {}
        self.graphql_queries.append(body)
        if self.graphql_errors:
            return {"data": None, "errors": self.graphql_errors}
        # what every GraphQL server validates before running anything: variables declared, used, given
        header, _, selection = query.partition("{")
        declared = dict(re.findall(r"\$(\w+)\s*:\s*([\w\[\]!]+)", header))
        used = set(re.findall(r"\$(\w+)", selection))
        problems = [f"Variable ${v} is not defined" for v in sorted(used - set(declared))]
        problems += [f"Variable ${v} is never used" for v in sorted(set(declared) - used)]
        problems += [f"Variable ${v} of required type {t} was not provided" for v, t in declared.items()
                     if t.endswith("!") and variables.get(v) is None]
        if problems:
            return self._graphql_failed(problems, "GRAPHQL_VALIDATION_FAILED")
        if variables.get("accountTag") != self.account_id:
            return {"data": None, "errors": [{"message": "not authorized for that account", "path": ["viewer", "accounts"],
                                              "extensions": {"code": "authz"}}]}
        if re.search(r"\bsettings\s*\{", selection):
            return {"data": {"viewer": {"accounts": [{"settings": self._settings(selection)}]}}, "errors": None}
        account: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for dataset, arguments, fields in re.findall(r"\b(\w+(?:Groups|Adaptive))\s*\(([^)]*)\)\s*\{(.*?dimensions\s*\{[^}]*\})",
                                                     selection, flags=re.S):
            problem = self._dataset_problem(dataset, arguments, declared)
            if problem:
                errors.append({"message": problem, "path": ["viewer", "accounts", 0, dataset],
                               "extensions": {"code": "bad_request"}})
                continue
            account[dataset] = self._answer(dataset, arguments, fields, variables)
        if errors:
            return {"data": None, "errors": errors}
        return {"data": {"viewer": {"accounts": [account]}}, "errors": None}

    @staticmethod
    def _graphql_failed(messages: list[str], code: str) -> dict[str, Any]:
        return {"data": None, "errors": [{"message": m, "extensions": {"code": code}} for m in messages]}

    def _settings(self, selection: str) -> dict[str, Any]:
        out = {}
        for dataset in re.findall(r"\b(\w+(?:Groups|Adaptive))\s*\{", selection):
            out[dataset] = {"enabled": True, "maxDuration": 86400, "notOlderThan": 2678400} | self.dataset_limits.get(dataset, {})
        return out

    def _dataset_problem(self, dataset: str, arguments: str, declared: dict[str, str]) -> str | None:
        if dataset in self.dataset_errors:
            return self.dataset_errors[dataset]
        want = self.DATASET_TIME_TYPES.get(dataset)
        if want is None:
            return f"unknown field \"{dataset}\" on type \"account\""
        for variable in re.findall(r"datetime_(?:geq|leq)\s*:\s*\$(\w+)", arguments):
            got = declared.get(variable, "").rstrip("!")
            if got != want:
                return f"Variable \"${variable}\" of type \"{declared.get(variable)}\" used in position expecting type \"{want}\""
        bad = {r["dimensions"].get("status") for r in self.analytics.get(dataset, [])
               if dataset == "workersInvocationsAdaptive"} - self.WORKER_STATUSES
        if bad:
            raise AssertionError(f"the fake serves only documented statuses, not {sorted(bad)}")
        return None

    def _answer(self, dataset: str, arguments: str, fields: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows the query asks for: filtered by subject and time, grouped by the dimensions asked
        (counts and sums added, averages averaged, quantiles the largest), as GraphQL group-by does."""
        wanted = set(re.search(r"dimensions\s*\{([^}]*)\}", fields).group(1).split())
        ids_var = re.search(r"(?:queueId|scriptName)_in\s*:\s*\$(\w+)", arguments)
        ids = set(variables.get(ids_var.group(1)) or []) if ids_var else set()
        key = "queueId" if dataset.startswith("queue") else "scriptName"
        window = [variables.get(v) for v in re.findall(r"datetime_(?:geq|leq)\s*:\s*\$(\w+)", arguments)]
        since, until = (window + [None, None])[:2]
        groups: dict[tuple, dict[str, Any]] = {}
        for row in self.analytics.get(dataset, []):
            dims = row["dimensions"]
            if dims.get(key) not in ids:
                continue
            minute = dims.get("datetimeMinute")
            if minute and ((since and minute < since) or (until and minute > until)):
                continue
            shown = {k: v for k, v in dims.items() if k in wanted}
            if "datetimeMinute" in wanted and "datetimeMinute" not in shown:
                shown["datetimeMinute"] = (until or "")[:17] + "00Z"  # a row seeded without a time: this minute
            group_key = tuple(sorted(shown.items()))
            group = groups.setdefault(group_key, {"dimensions": shown, "_n": 0})
            group["_n"] += 1
            for part, value in row.items():
                if part == "dimensions":
                    continue
                if isinstance(value, dict):
                    into = group.setdefault(part, {})
                    for name, v in value.items():
                        if part == "avg":
                            into[name] = into.get(name, 0) + (v - into.get(name, 0)) / group["_n"]
                        elif part == "quantiles":
                            into[name] = max(into.get(name, v), v)
                        else:
                            into[name] = into.get(name, 0) + v
                else:
                    group[part] = group.get(part, 0) + value
        rows = [{k: v for k, v in g.items() if k != "_n"} for g in groups.values()]
        return sorted(rows, key=lambda r: r["dimensions"].get("datetimeMinute", ""))
