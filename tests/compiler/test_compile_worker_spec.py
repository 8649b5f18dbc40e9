"""The seed's generated handlers, run by node against in-memory bindings: what each route, the
middleware, the error handler, the schedule and the consumer do, checked by value.

(The whole workers on workerd, through the runtime and real bindings, are the e2e tests' job; this
proves the compiled handler code itself.)"""

from __future__ import annotations

import json

import pytest

from compiler.driver import build
from tova_testkit import SEED, run_node_module

EXPORT = "export default __tova_createWorker(__tova_spec);"

HARNESS = r"""
const log = [];
console.log = (...args) => log.push(args.join(" "));
const kv = (store = new Map()) => ({
  store,
  async get(k) { return store.has(k) ? store.get(k) : null; },
  async put(k, v) { store.set(k, v); },
  async delete(k) { store.delete(k); },
});
const d1 = (answers) => {
  const queries = [];
  return {
    queries,
    prepare(sql) {
      const q = { sql, args: [] };
      queries.push(q);
      return {
        bind(...args) { q.args = args; return this; },
        async first() { return answers(sql, q.args); },
        async run() { return { success: true }; },
      };
    },
  };
};
const r2 = (store = new Map()) => ({
  store,
  async put(k, v, opts) { store.set(k, { v, opts }); },
  async get(k) {
    const o = store.get(k);
    return o ? { body: o.v, httpMetadata: o.opts?.httpMetadata ?? {}, arrayBuffer: async () => o.v } : null;
  },
  async delete(k) { store.delete(k); },
});
const queue = () => { const sent = []; return { sent, async send(b) { sent.push(b); } }; };
const body = async (r) => (r instanceof Response ? { status: r.status, json: await r.clone().text() } : r);
const route = (spec, method, path) => spec.routes.find((r) => r.method === method && r.path === path).handler;
const out = {};

// ── api ──
{
  const spec = API;
  const env = {
    METADATA: kv(new Map([["img:cached", JSON.stringify({ id: "cached", status: "pending" })]])),
    DB: d1((sql) => (sql.includes("COUNT") ? { c: sql.includes("processed") ? 2 : sql.includes("pending") ? 1 : sql.includes("failed") ? 0 : 3 } : null)),
    IMAGES: r2(), PROCESS_QUEUE: queue(), API_KEY: "k1",
  };
  spec.bind(env);
  const mw = spec.middleware[0];
  const denied = await mw(new Request("http://x/api/stats"), async () => "next called");
  out.denied = await body(denied);
  out.allowed = await mw(new Request("http://x/api/stats", { headers: { "X-API-Key": "k1" } }), async (req) => "next called");
  const upload = await route(spec, "POST", "/api/images")(new Request("http://x/api/images", { method: "POST", body: "png-bytes" }));
  out.upload = upload;
  out.upload_side_effects = {
    r2: [...env.IMAGES.store.keys()], queued: env.PROCESS_QUEUE.sent, kv: [...env.METADATA.store.keys()].sort(),
    insert: env.DB.queries.find((q) => q.sql.startsWith("INSERT")).args.slice(0, 3),
  };
  spec.bind({ ...env, MAX_FILE_SIZE: "3" });
  out.too_large = await body(await route(spec, "POST", "/api/images")(new Request("http://x", { method: "POST", body: "12345" })));
  spec.bind(env);
  out.cached = await route(spec, "GET", "/api/images/:id")(new Request("http://x"), { id: "cached" });
  out.missing = await body(await route(spec, "GET", "/api/images/:id")(new Request("http://x"), { id: "nope" }));
  out.file_missing = await body(await route(spec, "GET", "/images/*path")(new Request("http://x"), { path: "a/b.png" }));
  out.stats = await route(spec, "GET", "/api/stats")(new Request("http://x"));
  out.on_error = await spec.onError(new Error("kaput"), new Request("http://x"));
  await spec.schedules[0].run({ cron: "0 9 * * *" });
  out.spec_shape = { cors: spec.cors, health: spec.health, routes: spec.routes.map((r) => `${r.method} ${r.path}`), schedules: spec.schedules.map((s) => [s.name, s.cron]), consumers: spec.consumers.length, queues: spec.queues, worker: spec.worker, script: spec.script };
}

// ── processor ──
{
  const spec = PROCESSOR;
  const env = { METADATA: kv(), DB: d1(() => null), IMAGES: r2(), PROCESS_QUEUE: queue() };
  await env.IMAGES.put("originals/a", "bytes", { httpMetadata: { contentType: "image/jpeg" } });
  spec.bind(env);
  const consumer = spec.consumers[0];
  await consumer.handler([{ body: { id: "a", key: "originals/a" } }, { body: { id: "b", key: "originals/missing" } }], {});
  out.consumer = {
    queue: consumer.queue, binding: consumer.binding, maxRetries: consumer.maxRetries, dlq: consumer.dlq,
    processed: env.IMAGES.store.get("processed/a"),
    updates: env.DB.queries.map((q) => [q.sql.split(" SET ")[1].split(" WHERE")[0], q.args]),
    cache: JSON.parse(await env.METADATA.get("img:a")),
  };
}
out.log = log;
process.stdout.write(JSON.stringify(out));
"""


def module_spec(path) -> str:
    text = path.read_text()
    assert text.rstrip().endswith(EXPORT)
    # keep everything the compiler emitted; hand the spec over instead of starting a worker
    return text.rstrip()[: -len(EXPORT)]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, node):
    out = tmp_path_factory.mktemp("spec")
    result = build(SEED, out)
    api = module_spec(result.out_dir / "pipeline.edge.api.js")
    processor = module_spec(result.out_dir / "pipeline.edge.processor.js")
    program = (
        f"const API = await import('data:text/javascript,' + encodeURIComponent({json.dumps(api + 'export default __tova_spec;')})).then(m => m.default);\n"
        f"const PROCESSOR = await import('data:text/javascript,' + encodeURIComponent({json.dumps(processor + 'export default __tova_spec;')})).then(m => m.default);\n"
        + HARNESS
    )
    ran = run_node_module(node, program)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def test_middleware_rejects_a_wrong_key_and_passes_the_right_one(outcome):
    assert outcome["denied"] == {"status": 401, "json": '{"error":"Invalid API key"}'}
    assert outcome["allowed"] == "next called"


def test_upload_route_stores_queues_caches_and_answers_the_type(outcome):
    upload = outcome["upload"]
    assert set(upload) == {"id", "status", "queue_position"}
    assert upload["status"] == "queued" and upload["queue_position"] == 0 and len(upload["id"]) == 36
    effects = outcome["upload_side_effects"]
    assert effects["r2"] == [f"originals/{upload['id']}"]
    assert effects["queued"] == [{"id": upload["id"], "key": f"originals/{upload['id']}"}]
    assert effects["kv"] == sorted(["img:cached", f"img:{upload['id']}"])
    assert effects["insert"] == [upload["id"], f"originals/{upload['id']}", "pending"]
    # the env above has no MAX_FILE_SIZE: the upload passed under the declared default of 10 MB;
    # with MAX_FILE_SIZE = "3" the same route refuses five bytes
    assert outcome["too_large"] == {"status": 413, "json": '{"error":"File too large"}'}


def test_read_routes(outcome):
    assert outcome["cached"] == {"id": "cached", "status": "pending"}
    assert outcome["missing"] == {"status": 404, "json": '{"error":"Not found"}'}
    assert outcome["file_missing"] == {"status": 404, "json": "Not found"}
    assert outcome["stats"] == {"total": 3, "processed": 2, "pending": 1, "failed": 0}


def test_error_handler_schedule_and_log(outcome):
    assert outcome["on_error"] == {"error": "kaput", "worker": "api"}
    assert "API error: kaput" in outcome["log"]
    assert "Daily report: 3 total, 1 pending" in outcome["log"]


def test_consumer_processes_and_marks_missing_images_failed(outcome):
    consumer = outcome["consumer"]
    assert (consumer["queue"], consumer["binding"], consumer["maxRetries"], consumer["dlq"]) == ("process-queue", "PROCESS_QUEUE", 3, None)
    assert consumer["processed"] == {"v": "bytes", "opts": {"httpMetadata": {"contentType": "image/jpeg"}}}
    assert consumer["updates"] == [["status = 'processed', processed_key = ?", ["processed/a", "a"]], ["status = 'failed'", ["b"]]]
    assert consumer["cache"] == {"id": "a", "status": "processed", "original_key": "originals/a", "processed_key": "processed/a"}
    assert "Processed image a" in outcome["log"]


def test_spec_shape_follows_the_contract(outcome):
    shape = outcome["spec_shape"]
    assert shape["worker"] == "api" and shape["script"] == "pipeline-api"
    assert shape["cors"] == {
        "origins": ["https://myapp.com"], "methods": ["GET", "POST", "DELETE"],
        "headers": ["Content-Type", "Authorization", "X-API-Key"], "credentials": True,
    }
    assert shape["health"]["path"] == "/healthz" and shape["health"]["checks"] == ["check_memory"]
    assert shape["routes"] == ["POST /api/images", "GET /api/images/:id", "GET /images/*path", "DELETE /api/images/:id", "GET /api/stats"]
    assert shape["schedules"] == [["daily-report", "0 9 * * *"]]
    assert shape["consumers"] == 0
    assert shape["queues"] == [{"name": "process-queue", "binding": "PROCESS_QUEUE"}]


NAMED = '''
fn shout(text) {
  upper(text) + "!"
}

edge "front" {
  queue WORK
  env GREETING = "hi"

  fn hello(req, params) {
    "{shout(GREETING)} {params.name}"
  }

  route GET "/hello/:name" => hello
}

edge "back" {
  fn handle(messages) {
    [for_each_body(messages), shout("done")]
  }

  fn for_each_body(messages) {
    var bodies = []
    for m in messages {
      bodies.push(m.body)
    }
    bodies
  }

  consume WORK { max_retries: 5 } handle
}
'''


def test_named_handlers_block_functions_and_shared_top_level_functions(tmp_path, node):
    program = tmp_path / "named.tova"
    program.write_text(NAMED)
    result = build(program, tmp_path / "out")
    front = module_spec(result.out_dir / "named.edge.front.js")
    back = module_spec(result.out_dir / "named.edge.back.js")
    code = (
        f"const FRONT = await import('data:text/javascript,' + encodeURIComponent({json.dumps(front + 'export default __tova_spec;')})).then(m => m.default);\n"
        f"const BACK = await import('data:text/javascript,' + encodeURIComponent({json.dumps(back + 'export default __tova_spec;')})).then(m => m.default);\n"
        "FRONT.bind({ WORK: {} });\n"
        "BACK.bind({ WORK: {} });\n"
        "const hello = await FRONT.routes[0].handler(new Request('http://x/hello/ada'), { name: 'ada' });\n"
        "const handled = await BACK.consumers[0].handler([{ body: 1 }, { body: 2 }], {});\n"
        "process.stdout.write(JSON.stringify({ hello, handled, retries: BACK.consumers[0].maxRetries, queue: BACK.consumers[0].queue }));\n"
    )
    ran = run_node_module(node, code)
    assert ran.returncode == 0, ran.stderr
    # the top-level `shout` works in both workers; the env default applies when the env lacks it
    assert json.loads(ran.stdout) == {"hello": "HI! ada", "handled": [[1, 2], "DONE!"], "retries": 5, "queue": "work"}


def test_each_module_carries_the_top_level_code_it_reaches_and_no_more(tmp_path, node):
    program = tmp_path / "reach.tova"
    program.write_text(
        "shared {\n  type Used {\n    a: Int\n  }\n  type Unused {\n    b: Int\n  }\n}\n"
        "BASE = 40\nUNUSED_CONST = 1\n"
        "fn inner() {\n  BASE + 2\n}\nfn outer() {\n  Used(inner())\n}\nfn lonely() {\n  0\n}\n"
        'edge "a" {\n  route GET "/" => fn(req) { outer() }\n}\n'
        'edge "b" {\n  route GET "/" => fn(req) { "b" }\n}\n'
    )
    result = build(program, tmp_path / "out")
    a = (result.out_dir / "reach.edge.a.js").read_text().split("// ── compiled from")[1]
    b = (result.out_dir / "reach.edge.b.js").read_text().split("// ── compiled from")[1]
    for name in ("function Used(", "const BASE", "function inner(", "function outer("):
        assert name in a and name not in b
    for name in ("function Unused(", "UNUSED_CONST", "function lonely("):
        assert name not in a and name not in b
    code = (
        f"const A = await import('data:text/javascript,' + encodeURIComponent({json.dumps(module_spec(result.out_dir / 'reach.edge.a.js') + 'export default __tova_spec;')})).then(m => m.default);\n"
        "process.stdout.write(JSON.stringify(await A.routes[0].handler(new Request('http://x/'), {})));\n"
    )
    ran = run_node_module(node, code)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"a": 42}
