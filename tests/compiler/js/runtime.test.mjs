// Unit tests of the worker runtime (compiler/js/*.js) on node. Behaviour that needs the platform (D1,
// queues, the real fetch/scheduled/queue events) is tested on workerd in tests/ops/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { JS_DIR, loadRuntime, runtimeFiles, topLevelNames } from "./load_runtime.mjs";

const rt = loadRuntime();
const TOKEN = "s3cret-admin-token";

function request(path, init = {}) {
  return new Request("http://worker.test" + path, init);
}

function worker(spec = {}) {
  return rt.__tova_createWorker({ worker: "api", script: "demo-api", ...spec });
}

async function body(response) {
  return JSON.parse(await response.text());
}

describe("runtime files follow the inlining rules", () => {
  test("every top-level name is prefixed and defined in one file only", () => {
    const seen = new Map();
    for (const file of runtimeFiles()) {
      const source = readFileSync(join(JS_DIR, file), "utf8");
      assert.doesNotMatch(source, /^\s*(import|export)\s/m, `${file} must be a plain script`);
      for (const name of topLevelNames(source)) {
        assert.ok(name.startsWith("__tova_"), `${file} defines ${name} without the __tova_ prefix`);
        assert.ok(!seen.has(name), `${name} is defined in ${seen.get(name)} and ${file}`);
        seen.set(name, file);
      }
    }
    assert.ok(seen.has("__tova_createWorker"));
  });
});

describe("routing", () => {
  test(":param matches one segment and *rest the remainder", () => {
    const routes = rt.__tova_compileRoutes([
      { method: "GET", path: "/api/images/:id", handler: null },
      { method: "GET", path: "/images/*path", handler: null },
      { method: "DELETE", path: "/api/images/:id", handler: null },
    ]);
    assert.deepEqual(rt.__tova_findRoute(routes, "GET", "/api/images/a%20b").params, { id: "a b" });
    assert.deepEqual(rt.__tova_findRoute(routes, "GET", "/images/originals/x/y.png").params, { path: "originals/x/y.png" });
    assert.deepEqual(rt.__tova_findRoute(routes, "GET", "/images").params, { path: "" });
    assert.equal(rt.__tova_findRoute(routes, "GET", "/api/images/a/b"), null);
    assert.equal(rt.__tova_findRoute(routes, "GET", "/api/imagesX/1"), null);
    assert.deepEqual(rt.__tova_findRoute(routes, "PUT", "/api/images/1"), { allowed: ["GET", "DELETE"] });
    assert.equal(rt.__tova_findRoute(routes, "HEAD", "/api/images/1").route.method, "GET");
  });

  test("literal characters in a path are not regex syntax", () => {
    const routes = rt.__tova_compileRoutes([{ method: "GET", path: "/v1.0/stats", handler: null }]);
    assert.ok(rt.__tova_findRoute(routes, "GET", "/v1.0/stats"));
    assert.equal(rt.__tova_findRoute(routes, "GET", "/v1x0/stats"), null);
  });

  test("handler values become responses", async () => {
    const app = worker({
      routes: [
        { method: "GET", path: "/obj/:id", handler: async (req, params) => ({ id: params.id }) },
        { method: "GET", path: "/nothing", handler: async () => undefined },
        { method: "GET", path: "/raw", handler: async () => new Response("plain", { status: 418 }) },
      ],
    });
    let res = await app.fetch(request("/obj/7"), {}, {});
    assert.equal(res.status, 200);
    assert.match(res.headers.get("Content-Type"), /application\/json/);
    assert.deepEqual(await body(res), { id: "7" });
    res = await app.fetch(request("/nothing"), {}, {});
    assert.equal(await res.text(), "null");
    res = await app.fetch(request("/raw"), {}, {});
    assert.equal(res.status, 418);
    assert.equal(await res.text(), "plain");
    res = await app.fetch(request("/missing"), {}, {});
    assert.equal(res.status, 404);
    res = await app.fetch(request("/obj/7", { method: "POST" }), {}, {});
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("Allow"), "GET");
  });
});

describe("middleware and errors", () => {
  const auth = async (req, next) => (req.headers.get("X-API-Key") === "k" ? next(req) : new Response("no", { status: 401 }));
  const seen = [];
  const trace = async (req, next) => {
    seen.push("trace");
    return next(req);
  };
  const app = worker({
    bind: (env) => seen.push(`bind:${env.MARK}`),
    middleware: [trace, auth],
    health: { path: "/healthz", checks: [], bindings: [] },
    routes: [
      { method: "GET", path: "/ok", handler: async () => ({ ok: true }) },
      { method: "GET", path: "/boom", handler: async () => { throw new Error("kaboom"); } },
    ],
    onError: async (err) => ({ error: err.message, worker: "api" }),
  });

  test("middleware runs in order and can short-circuit", async () => {
    seen.length = 0;
    assert.equal((await app.fetch(request("/ok"), { MARK: 1 }, {})).status, 401);
    assert.deepEqual(seen, ["bind:1", "trace"]);
    const res = await app.fetch(request("/ok", { headers: { "X-API-Key": "k" } }), {}, {});
    assert.deepEqual(await body(res), { ok: true });
  });

  test("health bypasses middleware", async () => {
    const res = await app.fetch(request("/healthz"), {}, {});
    assert.equal(res.status, 200);
    assert.equal((await body(res)).worker, "api");
  });

  test("an uncaught error goes through on_error as a 500", async () => {
    const res = await app.fetch(request("/boom", { headers: { "X-API-Key": "k" } }), {}, {});
    assert.equal(res.status, 500);
    assert.deepEqual(await body(res), { error: "kaboom", worker: "api" });
  });

  test("without on_error the 500 says nothing of the error", async () => {
    const bare = worker({ routes: [{ method: "GET", path: "/boom", handler: async () => { throw new Error("secret detail"); } }] });
    const original = console.error;
    console.error = () => {};
    try {
      const res = await bare.fetch(request("/boom"), {}, {});
      assert.equal(res.status, 500);
      assert.deepEqual(await body(res), { error: "internal error" });
    } finally {
      console.error = original;
    }
  });
});

describe("cors", () => {
  const cors = { origins: ["https://myapp.com"], methods: ["GET", "POST", "DELETE"], headers: ["Content-Type", "X-API-Key"], credentials: true };
  const app = worker({
    cors,
    middleware: [async (req, next) => (req.headers.get("X-API-Key") ? next(req) : new Response("no", { status: 401 }))],
    routes: [{ method: "GET", path: "/data", handler: async () => [1, 2] }],
  });

  test("a preflight from an allowed origin is answered before middleware", async () => {
    const res = await app.fetch(request("/data", {
      method: "OPTIONS",
      headers: { Origin: "https://myapp.com", "Access-Control-Request-Method": "GET" },
    }), {}, {});
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("Access-Control-Allow-Origin"), "https://myapp.com");
    assert.equal(res.headers.get("Access-Control-Allow-Methods"), "GET, POST, DELETE");
    assert.equal(res.headers.get("Access-Control-Allow-Headers"), "Content-Type, X-API-Key");
    assert.equal(res.headers.get("Access-Control-Allow-Credentials"), "true");
  });

  test("a preflight says how long to keep it: 86400 s unless cors sets max_age", async () => {
    const preflight = { method: "OPTIONS", headers: { Origin: "https://myapp.com", "Access-Control-Request-Method": "GET" } };
    assert.equal((await app.fetch(request("/data", preflight), {}, {})).headers.get("Access-Control-Max-Age"), "86400");
    const short = worker({ cors: { ...cors, max_age: 600 }, routes: [] });
    assert.equal((await short.fetch(request("/data", preflight), {}, {})).headers.get("Access-Control-Max-Age"), "600");
  });

  test("another origin gets no allow headers", async () => {
    const res = await app.fetch(request("/data", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    }), {}, {});
    assert.equal(res.headers.get("Access-Control-Allow-Origin"), null);
  });

  test("responses, including a middleware's refusal, carry the headers", async () => {
    for (const headers of [{ Origin: "https://myapp.com" }, { Origin: "https://myapp.com", "X-API-Key": "x" }]) {
      const res = await app.fetch(request("/data", { headers }), {}, {});
      assert.equal(res.headers.get("Access-Control-Allow-Origin"), "https://myapp.com");
      assert.equal(res.headers.get("Vary"), "Origin");
    }
  });
});

describe("health", () => {
  test("memory is unavailable when the runtime reports zeros, measured otherwise", () => {
    const original = process.memoryUsage;
    try {
      process.memoryUsage = () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 });
      assert.deepEqual(rt.__tova_checkMemory(), { status: "unavailable", detail: "runtime reports zero heap" });
      process.memoryUsage = () => ({ rss: 30, heapTotal: 20, heapUsed: 10 });
      assert.deepEqual(rt.__tova_checkMemory(), { status: "ok", heap_used: 10, heap_total: 20, rss: 30 });
    } finally {
      process.memoryUsage = original;
    }
  });

  test("a binding check per binding; a missing or failing binding is down and the answer 503", async () => {
    const app = worker({
      health: { path: "/status", checks: ["check_memory"], bindings: [{ kind: "kv", name: "CACHE" }, { kind: "d1", name: "DB" }] },
    });
    const kv = { get: async () => null };
    const db = { prepare: () => ({ first: async () => ({ ok: 1 }) }) };
    let res = await app.fetch(request("/status"), { CACHE: kv, DB: db, TOVA_OPS: db }, {});
    let json = await body(res);
    assert.equal(res.status, 200);
    assert.equal(json.status, "ok");
    assert.equal(json.checks["kv:CACHE"].status, "ok");
    assert.equal(typeof json.checks["kv:CACHE"].latency_ms, "number");
    assert.ok(json.checks.memory);
    res = await app.fetch(request("/status"), { CACHE: kv, DB: { prepare: () => ({ first: async () => { throw new Error("D1_ERROR: gone"); } }) } }, {});
    json = await body(res);
    assert.equal(res.status, 503);
    assert.equal(json.status, "down");
    assert.deepEqual(json.checks["d1:DB"], { status: "down", detail: "D1_ERROR: gone" });
    res = await app.fetch(request("/status"), { DB: { prepare: () => ({ first: async () => ({}) }) } }, {});
    assert.equal((await body(res)).checks["kv:CACHE"].detail, "binding CACHE is not configured");
  });

  test("the ops store is checked too, and its absence degrades rather than downs the worker", async () => {
    const app = worker({ health: { path: "/healthz", checks: [], bindings: [] } });
    let json = await body(await app.fetch(request("/healthz"), {}, {}));
    assert.equal(json.status, "degraded");
    assert.equal(json.checks["d1:TOVA_OPS"].status, "degraded");
    json = await body(await app.fetch(request("/healthz"), { TOVA_OPS: { prepare: () => ({ first: async () => ({ ok: 1 }) }) } }, {}));
    assert.equal(json.status, "ok");
    assert.equal(json.checks["d1:TOVA_OPS"].status, "ok");
  });
});

describe("admin routes", () => {
  let ran = 0;
  const app = worker({
    queues: [{ name: "jobs", binding: "JOBS" }],
    schedules: [
      { name: "daily-report", cron: "0 9 * * *", run: async () => { ran++; } },
      { name: "broken", cron: "0 10 * * *", run: async () => { throw new Error("report failed"); } },
    ],
  });
  const auth = { Authorization: `Bearer ${TOKEN}` };

  test("the token comparison is exact", async () => {
    assert.equal(await rt.__tova_tokenMatches(TOKEN, TOKEN), true);
    assert.equal(await rt.__tova_tokenMatches(TOKEN + "x", TOKEN), false);
    assert.equal(await rt.__tova_tokenMatches("", TOKEN), false);
    assert.equal(await rt.__tova_tokenMatches(TOKEN.replace("s", "S"), TOKEN), false);
  });

  test("without a configured token every admin route is 404 and nothing runs", async () => {
    for (const [method, path] of [["GET", "/__tova/info"], ["POST", "/__tova/cron/daily-report"], ["GET", "/__tova/dlq"], ["GET", "/__tova"]]) {
      const res = await app.fetch(request(path, { method, headers: auth }), {}, {});
      assert.equal(res.status, 404, path);
      assert.deepEqual(await body(res), { error: "not found" });
    }
    assert.equal(ran, 0);
  });

  test("admin answers are never cached", async () => {
    const res = await app.fetch(request("/__tova/info", { headers: auth }), { TOVA_ADMIN_TOKEN: TOKEN }, {});
    assert.equal(res.headers.get("Cache-Control"), "no-store");
  });

  test("a missing or wrong token is 401", async () => {
    for (const headers of [{}, { Authorization: "Bearer nope" }, { Authorization: TOKEN }, { Authorization: "Bearer " }]) {
      const res = await app.fetch(request("/__tova/cron/daily-report", { method: "POST", headers }), { TOVA_ADMIN_TOKEN: TOKEN }, {});
      assert.equal(res.status, 401);
      assert.deepEqual(await body(res), { error: "unauthorized" });
    }
    assert.equal(ran, 0);
  });

  test("with the token: info, queue metrics and cron by hand", async () => {
    const env = {
      TOVA_ADMIN_TOKEN: TOKEN,
      JOBS: { metrics: async () => ({ backlogCount: 4, backlogBytes: 120, oldestMessageTimestamp: new Date(1700000000000) }) },
    };
    let res = await app.fetch(request("/__tova/info", { headers: auth }), env, {});
    assert.deepEqual((await body(res)).schedules, ["daily-report", "broken"]);
    res = await app.fetch(request("/__tova/queues", { headers: auth }), env, {});
    assert.deepEqual((await body(res)).queues, [
      { queue: "jobs", binding: "JOBS", backlog_count: 4, backlog_bytes: 120, oldest_message_timestamp: 1700000000000 },
    ]);
    res = await app.fetch(request("/__tova/cron/daily-report", { method: "POST", headers: auth }), env, {});
    const run = await body(res);
    assert.equal(ran, 1);
    assert.equal(run.name, "daily-report");
    assert.equal(run.trigger, "manual");
    assert.equal(run.ok, true);
    assert.equal(typeof run.duration_ms, "number");
    const original = console.error;
    console.error = () => {};
    try {
      res = await app.fetch(request("/__tova/cron/broken", { method: "POST", headers: auth }), env, {});
    } finally {
      console.error = original;
    }
    assert.equal(res.status, 200);
    assert.deepEqual([(await body(res)).ok, "report failed"], [false, "report failed"]);
    res = await app.fetch(request("/__tova/cron/nope", { method: "POST", headers: auth }), env, {});
    assert.equal(res.status, 404);
  });

  test("a queue binding without metrics is reported, not fatal", async () => {
    const res = await app.fetch(request("/__tova/queues", { headers: auth }), { TOVA_ADMIN_TOKEN: TOKEN, JOBS: {} }, {});
    assert.match((await body(res)).queues[0].error, /no metrics/);
  });
});

describe("queue consumers", () => {
  function platformBatch(queue, ids, attempts = 1) {
    const calls = [];
    const messages = ids.map((id) => ({
      id, body: { id }, attempts, timestamp: new Date(),
      ack: () => calls.push(["ack", id]), retry: () => calls.push(["retry", id]),
    }));
    return { batch: { queue, messages, ackAll() {}, retryAll() {} }, calls };
  }
  const quiet = async (fn) => {
    const original = console.error;
    console.error = () => {};
    try {
      return await fn();
    } finally {
      console.error = original;
    }
  };

  test("a throwing handler retries every message it did not ack itself", async () => {
    const app = worker({
      consumers: [{ queue: "jobs", binding: "JOBS", maxRetries: 3, dlq: "jobs-dlq", handler: async (messages) => {
        messages[0].ack();
        throw new Error("job 2 failed");
      } }],
    });
    const { batch, calls } = platformBatch("jobs", ["m1", "m2", "m3"]);
    await quiet(() => app.queue(batch, {}, {}));
    assert.deepEqual(calls, [["ack", "m1"], ["retry", "m2"], ["retry", "m3"]]);
  });

  test("a successful handler retries nothing", async () => {
    const seen = [];
    const app = worker({ consumers: [{ queue: "jobs", binding: "JOBS", handler: async (messages) => { for (const m of messages) seen.push(m.body.id); } }] });
    const { batch, calls } = platformBatch("jobs", ["a", "b"]);
    await app.queue(batch, {}, {});
    assert.deepEqual(seen, ["a", "b"]);
    assert.deepEqual(calls, []);
  });

  test("a batch for a queue the worker does not consume is refused, not acked", async () => {
    const app = worker({ consumers: [] });
    const { batch } = platformBatch("other", ["a"]);
    await assert.rejects(app.queue(batch, {}, {}), /no consumer for queue other/);
  });
});

describe("scheduled", () => {
  test("every schedule with the trigger's cron runs; a failure is re-raised", async () => {
    const ran = [];
    const app = worker({
      schedules: [
        { name: "a", cron: "*/5 * * * *", run: async () => ran.push("a") },
        { name: "b", cron: "*/5 * * * *", run: async () => ran.push("b") },
        { name: "c", cron: "0 0 * * *", run: async () => { throw new Error("c broke"); } },
      ],
    });
    await app.scheduled({ cron: "*/5 * * * *", scheduledTime: Date.now() }, {}, {});
    assert.deepEqual(ran.sort(), ["a", "b"]);
    const original = console.error;
    console.error = () => {};
    try {
      await assert.rejects(app.scheduled({ cron: "0 0 * * *" }, {}, {}), /c: c broke/);
    } finally {
      console.error = original;
    }
  });
});

describe("dead-letter bodies", () => {
  test("json and bytes bodies survive the store's text encoding", () => {
    for (const body of [{ job_id: "a", n: [1, 2, { deep: true }] }, "plain text", 42, null]) {
      const { text, contentType } = rt.__tova_encodeBody(body);
      assert.equal(contentType, "json");
      assert.deepEqual(rt.__tova_decodeBody(text, contentType), body);
    }
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const encoded = rt.__tova_encodeBody(bytes.buffer);
    assert.equal(encoded.contentType, "bytes");
    assert.deepEqual([...rt.__tova_decodeBody(encoded.text, encoded.contentType)], [...bytes]);
    assert.deepEqual(rt.__tova_encodeBody(bytes.subarray(3)), { text: btoa("\xfa\xff"), contentType: "bytes" });
  });
});
