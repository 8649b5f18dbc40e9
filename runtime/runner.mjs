// The local runtime: every worker of one compiled Tova project in a single Miniflare (workerd) instance.
//
//   node runner.mjs --manifest OUT/manifest.json --state OUT/state --secrets DIR/.dev.vars
//                   [--port N | --port BLOCK=N]... [--var NAME=VALUE]...
//
// Speaks the JSON-lines protocol of docs/contracts.md §4 on stdout (nothing else may be written there);
// stdin closing, SIGTERM or SIGINT stops workerd and exits. One instance (not one per worker) so the
// workers share the same local queues, KV, D1 and R2, exactly as bindings to the same names would in
// production.

import { readFileSync, readdirSync, existsSync, mkdirSync, chmodSync } from "node:fs";
import { createServer } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Miniflare, Log, LogLevel } from "miniflare";
// ws (pinned in package.json): unlike Node's global WebSocket it can send the Origin header the
// inspector proxy insists on.
import WebSocket from "ws";
import { AI_FAIL_MARKER, AI_STANDIN_NAME, aiStandinWorker } from "./ai_standin.mjs";

const DEFAULT_MAX_RETRIES = 3; // Cloudflare's default when the program sets none

// ── output: one JSON object per line, and nothing else on stdout ─────────────────────────────────────

const stdoutWrite = process.stdout.write.bind(process.stdout);
function emit(event) {
  stdoutWrite(JSON.stringify(event) + "\n");
}
// Any stray console output (ours or a library's) goes to stderr so it cannot corrupt the protocol.
for (const method of ["log", "info", "debug", "warn", "error", "trace"]) {
  console[method] = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
}

function fail(message) {
  emit({ event: "error", message });
  process.exit(1);
}

// ── arguments ───────────────────────────────────────────────────────────────────────────────────────

function parseArgs(argv) {
  const args = { ports: [], vars: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    i++;
    if (flag === "--manifest") args.manifest = value;
    else if (flag === "--state") args.state = value;
    else if (flag === "--secrets") args.secrets = value;
    else if (flag === "--port") args.ports.push(value);
    else if (flag === "--var") {
      const at = value.indexOf("=");
      if (at < 1) fail(`--var wants NAME=VALUE, got ${JSON.stringify(value)}`);
      args.vars[value.slice(0, at)] = value.slice(at + 1);
    } else fail(`unknown option ${flag}`);
  }
  if (!args.manifest) fail("--manifest is required");
  if (!args.state) fail("--state is required");
  return args;
}

// `--port 8787` numbers the workers from 8787 in manifest order; `--port api=8787` pins one worker.
// Workers without a port get an ephemeral one, so parallel runs never collide.
function portsByBlock(workers, specs) {
  const ports = {};
  for (const spec of specs) {
    const at = spec.indexOf("=");
    if (at === -1) {
      const base = Number(spec);
      if (!Number.isInteger(base) || base < 0) fail(`--port wants a number or BLOCK=NUMBER, got ${spec}`);
      workers.forEach((worker, index) => (ports[worker.block] = base === 0 ? 0 : base + index));
    } else {
      const block = spec.slice(0, at);
      const port = Number(spec.slice(at + 1));
      if (!workers.some((worker) => worker.block === block)) fail(`--port ${spec}: no worker named ${block}`);
      if (!Number.isInteger(port) || port < 0) fail(`--port ${spec}: not a port number`);
      ports[block] = port;
    }
  }
  return ports;
}

// The .dev.vars format wrangler reads: NAME=value lines, optional quotes, # comments.
function readDevVars(file) {
  const values = {};
  if (!file || !existsSync(file)) return values;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at < 1) continue;
    let value = line.slice(at + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    values[line.slice(0, at).trim()] = value;
  }
  return values;
}

// ── manifest -> Miniflare options ───────────────────────────────────────────────────────────────────

function consumerOptions(consumer) {
  const options = { maxRetries: consumer.max_retries ?? DEFAULT_MAX_RETRIES };
  if (consumer.max_batch_size != null) options.maxBatchSize = consumer.max_batch_size;
  if (consumer.max_batch_timeout != null) options.maxBatchTimeout = consumer.max_batch_timeout;
  if (consumer.retry_delay != null) options.retryDelay = consumer.retry_delay;
  if (consumer.dead_letter_queue != null) options.deadLetterQueue = consumer.dead_letter_queue;
  return options;
}

// Every worker gets a tail worker of its own (the events carry no script name locally), which hands
// each invocation's summary to the runner: one request line per fetch, like `wrangler dev` prints.
const TAIL_PREFIX = "__tova_tail_";
const TAIL_SCRIPT = `export default {
  async tail(events, env) {
    await env.RUNNER.fetch("http://runner/tail", { method: "POST", body: JSON.stringify(events) });
  },
};`;

function requestLines(worker, manifest) {
  const health = worker.health?.path ?? "/healthz";
  const opsPrefix = manifest.ops?.prefix ?? "/__tova";
  return async (request) => {
    // The console polls health and the ops routes every few seconds; those lines would drown the rest.
    for (const trace of JSON.parse(await request.text())) {
      const event = trace.event ?? {};
      if (!event.request) continue;
      const url = new URL(event.request.url);
      if (url.pathname === health || url.pathname === opsPrefix || url.pathname.startsWith(`${opsPrefix}/`)) continue;
      const status = event.response?.status;
      const result = status !== undefined ? String(status) : `-> ${trace.outcome}`;
      emit({
        event: "log",
        worker: worker.block,
        level: "debug",
        message: `${event.request.method} ${url.pathname}${url.search} ${result}`,
        time: trace.eventTimestamp ?? Date.now(),
      });
    }
    return new Response(null, { status: 204 });
  };
}

function tailWorkerOptions(manifest, worker) {
  return {
    name: TAIL_PREFIX + worker.block,
    modules: true,
    script: TAIL_SCRIPT,
    compatibilityDate: manifest.compatibility_date,
    serviceBindings: { RUNNER: requestLines(worker, manifest) },
  };
}

// Local queues live in this process's memory and die with it. Each start has its own id, which the
// workers' replay uses to know that a dead letter sent by an earlier start never reached a consumer.
const BOOT_ID = randomBytes(8).toString("hex");

function workerOptions(manifest, outDir, worker, secrets, varOverrides, port) {
  const bindings = { TOVA_LOCAL_BOOT: BOOT_ID };
  // As with wrangler, a .dev.vars entry overrides an env default locally; --var overrides both.
  for (const [name, value] of Object.entries(worker.vars ?? {})) {
    if (Object.hasOwn(varOverrides, name)) bindings[name] = varOverrides[name];
    else if (Object.hasOwn(secrets, name)) bindings[name] = secrets[name];
    else bindings[name] = value;
  }
  for (const name of worker.secrets ?? []) {
    if (Object.hasOwn(secrets, name)) bindings[name] = secrets[name];
  }
  const kvNamespaces = {};
  const d1Databases = {};
  const r2Buckets = {};
  const queueProducers = {};
  for (const binding of worker.bindings ?? []) {
    // Local storage is keyed by the resource's name, so two workers binding the same name share it.
    if (binding.kind === "kv") kvNamespaces[binding.name] = binding.id;
    else if (binding.kind === "d1") d1Databases[binding.name] = binding.database_name;
    else if (binding.kind === "r2") r2Buckets[binding.name] = binding.bucket_name;
    else if (binding.kind === "queue") queueProducers[binding.name] = { queueName: binding.queue };
  }
  const wrappedBindings = {};
  for (const binding of worker.bindings ?? []) {
    if (binding.kind === "ai") wrappedBindings[binding.name] = { scriptName: AI_STANDIN_NAME };
  }
  const queueConsumers = {};
  for (const queue of manifest.queues ?? []) {
    if (queue.consumer && queue.consumer.worker === worker.block) {
      queueConsumers[queue.name] = consumerOptions(queue.consumer);
    }
  }
  return {
    name: worker.block,
    modules: true,
    scriptPath: path.join(outDir, worker.module),
    modulesRoot: outDir,
    compatibilityDate: manifest.compatibility_date,
    compatibilityFlags: manifest.compatibility_flags ?? [],
    bindings,
    kvNamespaces,
    d1Databases,
    r2Buckets,
    queueProducers,
    queueConsumers,
    wrappedBindings,
    unsafeDirectSockets: [{ host: "127.0.0.1", port }],
    unsafeInspectorProxy: true,
    tails: [TAIL_PREFIX + worker.block],
  };
}

// ── D1 migrations: applied once per database, recorded where wrangler records them ──────────────────

// Splits a SQL file into statements: semicolons inside quotes, comments and trigger bodies do not count.
export function splitSql(sql) {
  const statements = [];
  let current = "";
  let depth = 0; // BEGIN ... END nesting inside CREATE TRIGGER
  let i = 0;
  const flush = () => {
    const text = current.trim();
    if (text) statements.push(text);
    current = "";
  };
  while (i < sql.length) {
    const ch = sql[i];
    const two = sql.slice(i, i + 2);
    if (two === "--") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      current += "\n";
      continue;
    }
    if (two === "/*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += " ";
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (sql[j + 1] === close && close !== "]") j += 2;
          else break;
        } else j++;
      }
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j])) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (/^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current + word)) {
        if (word === "BEGIN" || word === "CASE") depth++;
        else if (word === "END" && depth > 0) depth--;
      }
      current += sql.slice(i, j);
      i = j;
      continue;
    }
    if (ch === ";" && depth === 0) {
      flush();
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  flush();
  return statements;
}

async function applyMigrations(mf, manifest, manifestDir) {
  for (const migration of manifest.migrations ?? []) {
    const dir = path.resolve(manifestDir, migration.dir);
    const owner = (manifest.workers ?? []).find((worker) =>
      (worker.bindings ?? []).some((b) => b.kind === "d1" && b.database_name === migration.database_name),
    );
    if (!owner) throw new Error(`migrations for ${migration.database_name}: no worker binds that database`);
    const binding = owner.bindings.find((b) => b.kind === "d1" && b.database_name === migration.database_name);
    const db = await mf.getD1Database(binding.name, owner.block);
    await db
      .prepare(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, " +
          "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
      )
      .run();
    const done = new Set((await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => r.name));
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sql")).sort() : [];
    const applied = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const statements = splitSql(readFileSync(path.join(dir, file), "utf8")).map((sql) => db.prepare(sql));
      statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file));
      try {
        await db.batch(statements); // one transaction: a failed migration leaves no half-applied schema
      } catch (error) {
        throw new Error(`migration ${file} for database ${migration.database_name} failed: ${error.message}`);
      }
      applied.push(file);
    }
    emit({ event: "migrations", database: migration.database_name, applied, total: files.length });
  }
}

// ── per-worker inspector sessions: console output attributed to its worker, and heap figures ────────

// Renders a console argument the way workerd's own stdout would, from the inspector's RemoteObject.
function renderRemote(value) {
  if (value.type === "string") return value.value;
  if (value.type === "undefined") return "undefined";
  if (value.unserializableValue !== undefined) return value.unserializableValue;
  if (value.type !== "object" && value.type !== "function") return String(value.value ?? value.description);
  if (value.subtype === "null") return "null";
  if (value.subtype === "error") return value.description;
  const preview = value.preview;
  if (!preview) return value.description ?? value.className ?? "[object]";
  const entries = preview.properties.map((p) => {
    const shown = p.type === "string" ? JSON.stringify(p.value) : p.value ?? p.type;
    return preview.subtype === "array" ? shown : `${p.name}: ${shown}`;
  });
  if (preview.overflow) entries.push("...");
  if (preview.subtype === "array") return `[ ${entries.join(", ")} ]`;
  const prefix = value.className && value.className !== "Object" ? `${value.className} ` : "";
  return entries.length ? `${prefix}{ ${entries.join(", ")} }` : `${prefix}{}`;
}

const CONSOLE_LEVELS = { log: "info", info: "info", debug: "debug", warning: "warn", error: "error", trace: "debug", assert: "error" };

class InspectorSession {
  constructor(inspectorHost, worker) {
    this.url = `ws://${inspectorHost}/${worker}`;
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();
    this.closed = false;
    this.connected = false;
  }

  // Miniflare's proxy may still be connecting to workerd and then drops what we send (see the
  // uncaughtException handler in main), or closes the socket: ask again, on a new socket if need be,
  // until workerd answers. On a loaded machine that can take seconds, so each try waits longer,
  // within one overall minute.
  async connect(deadline = Date.now() + 60000) {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.connected) await this.#open();
        await this.call("Runtime.enable", {}, Math.min(500 * attempt, 5000));
        this.ready = true;
        return;
      } catch (error) {
        if (Date.now() >= deadline || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
      }
    }
  }

  async #open() {
    const socket = new WebSocket(this.url, { headers: { Origin: "http://localhost" } });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    this.socket = socket;
    this.connected = true;
    socket.on("message", (data) => this.#onMessage(JSON.parse(String(data))));
    socket.on("close", () => {
      if (this.socket === socket) this.#onClose();
    });
    socket.on("error", () => {});
  }

  call(method, params = {}, timeoutMs = 5000) {
    if (!this.connected) return Promise.reject(new Error(`inspector for ${this.worker} is not connected`));
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector ${method} timed out for ${this.worker}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  #onMessage(message) {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
      return;
    }
    if (message.method === "Runtime.consoleAPICalled") {
      const { type, args } = message.params;
      emit({
        event: "log",
        worker: this.worker,
        level: CONSOLE_LEVELS[type] ?? "info",
        message: args.map(renderRemote).join(" "),
        time: message.params.timestamp,
      });
    } else if (message.method === "Runtime.exceptionThrown") {
      const details = message.params.exceptionDetails;
      let text = details.exception ? `Uncaught ${renderRemote(details.exception)}` : details.text;
      // workerd reports an uncaught error twice: where it was thrown (with a stack), then at once again
      // without one, as the event's failure. One line is enough; a new throw always has its stack.
      const at = message.params.timestamp ?? Date.now();
      const frame = details.stackTrace?.callFrames?.[0];
      const echo = !frame && this.lastThrown?.text === text && at - this.lastThrown.at < 1000;
      this.lastThrown = frame ? { text, at } : null;
      if (echo) return;
      if (frame?.url) text += ` (${path.basename(frame.url)}:${frame.lineNumber + 1}:${frame.columnNumber + 1})`;
      emit({ event: "log", worker: this.worker, level: "error", message: text, time: at });
    }
  }

  #onClose() {
    this.connected = false;
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`inspector for ${this.worker} closed`));
    }
    this.pending.clear();
    // workerd restarts a worker's isolate on some failures; keep listening to the new one (the
    // first connect retries on its own).
    if (!this.closed && this.ready) setTimeout(() => this.connect().catch(() => this.#onClose()), 250).unref();
  }

  // After a failed first connect: try again every few seconds until it answers or the runtime stops.
  keepConnecting() {
    const again = () => {
      if (this.closed || this.ready) return;
      this.connect(Date.now() + 15000).then(
        () => emit({ event: "log", worker: "runtime", level: "info", time: Date.now(), message: `the inspector of ${this.worker} answers now` }),
        () => setTimeout(again, 2000).unref(),
      );
    };
    setTimeout(again, 1000).unref();
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}

// ── the workerd process's resident memory, for the console's runtime figure ─────────────────────────

function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function workerdPid() {
  for (const pid of childPids(process.pid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) return pid;
    } catch {}
  }
  return null;
}

function rssBytes(pid) {
  if (!pid) return null;
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// ── control endpoint: what only the runner can do: fire the real scheduled event, read each isolate's
// heap, put a message on a local queue (local queues live inside workerd, out of reach otherwise) ──

function startControlServer(mf, manifest, sessions, token, runtimePid) {
  // A message sent "from outside" goes through some worker's producer binding for that queue.
  const producers = new Map();
  for (const worker of manifest.workers) {
    for (const binding of worker.bindings ?? []) {
      if (binding.kind === "queue" && !producers.has(binding.queue)) {
        producers.set(binding.queue, { binding: binding.name, block: worker.block });
      }
    }
  }
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (request) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server = createServer(async (request, response) => {
    const reply = (status, body) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    // A token, because any web page can POST to loopback; the workers' own ports are the app's business.
    if (!authorized(request)) return reply(401, { error: "unauthorized" });
    const url = new URL(request.url, "http://control");
    try {
      if (request.method === "GET" && url.pathname === "/memory") {
        const workers = {};
        await Promise.all(
          [...sessions.entries()].map(async ([block, session]) => {
            try {
              const usage = await session.call("Runtime.getHeapUsage");
              workers[block] = { heap_used: usage.usedSize, heap_total: usage.totalSize };
            } catch (error) {
              workers[block] = { error: error.message };
            }
          }),
        );
        return reply(200, { workers, rss: rssBytes(runtimePid) });
      }
      const scheduled = url.pathname.match(/^\/scheduled\/([^/]+)$/);
      if (request.method === "POST" && scheduled) {
        const block = decodeURIComponent(scheduled[1]);
        if (!sessions.has(block)) return reply(404, { error: `no worker named ${block}` });
        const worker = await mf.getWorker(block);
        const cron = url.searchParams.get("cron") ?? "";
        const result = await worker.scheduled({ cron, scheduledTime: new Date() });
        return reply(200, { outcome: result.outcome, no_retry: result.noRetry });
      }
      const send = url.pathname.match(/^\/queues\/([^/]+)\/send$/);
      if (request.method === "POST" && send) {
        const queue = decodeURIComponent(send[1]);
        const producer = producers.get(queue);
        if (!producer) return reply(404, { error: `no worker has a producer binding for queue ${queue}` });
        const chunks = [];
        for await (const chunk of request) chunks.push(chunk);
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return reply(400, { error: "the message body must be JSON" });
        }
        await (await mf.getQueueProducer(producer.binding, producer.block)).send(body);
        return reply(200, { sent: 1 });
      }
      return reply(404, { error: "not found" });
    } catch (error) {
      return reply(500, { error: error.message });
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────────

// Miniflare's own messages (warnings about bindings, dropped or dead-lettered messages, workerd failures)
// as protocol lines. Queue batch results ("QUEUE jobs 9/10 (40ms)") are attributed to the consuming
// worker, as its own outcome.
class ProtocolLog extends Log {
  constructor(level, consumerOf) {
    super(level);
    this.consumerOf = consumerOf;
  }

  logReady() {} // the entry socket's URL: not one of the workers' addresses, only confusing

  logWithLevel(level, message) {
    if (level > LogLevel.INFO) return;
    const plain = message.replace(/\x1b\[[0-9;]*m/g, "");
    const batch = plain.match(/^QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?$/);
    if (batch) {
      const [, queue, acked, total, ms] = batch;
      const failed = Number(total) - Number(acked);
      emit({
        event: "log",
        worker: this.consumerOf.get(queue) ?? "runtime",
        level: failed ? "warn" : "debug",
        message: `queue ${queue}: batch of ${total}, ${acked} acked${failed ? `, ${failed} failed` : ""}${ms ? ` in ${ms} ms` : ""}`,
        time: Date.now(),
      });
      return;
    }
    const levelName = level === LogLevel.ERROR ? "error" : level === LogLevel.WARN ? "warn" : "info";
    emit({ event: "log", worker: "runtime", level: levelName, message: plain, time: Date.now() });
  }
  error(error) {
    emit({ event: "log", worker: "runtime", level: "error", message: error?.stack ?? String(error) });
  }
}

async function main() {
  // Miniflare 4's inspector proxy forwards a devtools message before its own socket to workerd is open
  // and throws from an event handler ("WebSocket is not open: readyState 0"): the message is lost, which
  // InspectorSession.connect retries. Anything else still ends the runner, loudly.
  process.on("uncaughtException", (error) => {
    if (/WebSocket is not open: readyState 0/.test(error?.message ?? "")) return;
    emit({ event: "error", message: `the runner crashed: ${error?.stack ?? error}` });
    process.exit(1);
  });
  const args = parseArgs(process.argv.slice(2));
  const manifestPath = path.resolve(args.manifest);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (error) {
    fail(`cannot read the manifest ${manifestPath}: ${error.message}`);
  }
  const outDir = path.dirname(manifestPath);
  // The state holds every job payload and dead-letter body: private to the user, for workerd's files
  // too (it inherits the umask), and for what an earlier version left readable.
  process.umask(0o077);
  const state = path.resolve(args.state);
  mkdirSync(state, { recursive: true, mode: 0o700 });
  tightenPermissions(state);
  const secrets = readDevVars(args.secrets);
  const ports = portsByBlock(manifest.workers, args.ports);
  const blocks = manifest.workers.map((worker) => worker.block);
  const aiBlocks = manifest.workers.filter((w) => (w.bindings ?? []).some((b) => b.kind === "ai")).map((w) => w.block);
  if (aiBlocks.length) {
    emit({ event: "log", worker: "runtime", level: "warn", time: Date.now(),
           message: `Workers AI has no local runtime: the ai binding of ${aiBlocks.join(", ")} is tova's stand-in ` +
             `(deterministic answers in the model's shape, not a model; an input containing ${AI_FAIL_MARKER} fails)` });
  }

  // While every worker's inspector is attached, workerd's stdout and stderr only repeat (without the
  // worker's name) the console lines and uncaught errors the inspectors already gave us, so they are
  // dropped, except workerd's own diagnostics, which name their C++ source ("server.c++:123"). Before
  // the inspectors attach (or after one drops) everything is passed on as the runtime's.
  const sessions = new Map();
  const attributed = () => sessions.size === blocks.length && [...sessions.values()].every((s) => s.connected);
  const forward = (level) => (chunk) => {
    for (const line of String(chunk).split(/\r?\n/)) {
      if (!line.trim() || (attributed() && !/\.c\+\+:\d+/.test(line))) continue;
      // workerd's own note of a JavaScript error the worker's inspector already reported with its worker
      if (attributed() && /Uncaught exception: .*jsg\.\w*Error/.test(line)) continue;
      if (/^stack:( \S+@[0-9a-f]+)+$/.test(line)) continue; // raw addresses of a workerd crash: noise to a reader
      emit({ event: "log", worker: "runtime", level, message: line, time: Date.now() });
    }
  };

  let mf;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    for (const session of sessions.values()) session.close();
    try {
      await mf?.dispose();
    } catch {
      // workerd already gone: nothing left to dispose
    } finally {
      process.exit(code);
    }
  };

  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    inspectorPort: 0,
    cf: false, // a placeholder request.cf: the real one is fetched from the network, which is not ours
    log: new ProtocolLog(
      LogLevel.INFO,
      new Map((manifest.queues ?? []).filter((q) => q.consumer).map((q) => [q.name, q.consumer.worker])),
    ),
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", forward("info"));
      stderr.on("data", forward("error"));
      // workerd gone while we are not stopping (killed, crashed, out of memory): say so and exit, so the
      // console sees a dead runtime instead of a runner that answers while every worker is unreachable.
      stdout.on("close", () => {
        if (stopping) return;
        emit({ event: "error", message: "workerd exited unexpectedly; every worker is down" });
        stop(1);
      });
    },
    kvPersist: path.join(state, "kv"),
    d1Persist: path.join(state, "d1"),
    r2Persist: path.join(state, "r2"),
    cachePersist: path.join(state, "cache"),
    workers: [
      ...manifest.workers.map((worker) =>
        workerOptions(manifest, outDir, worker, secrets, args.vars, ports[worker.block] ?? 0),
      ),
      ...manifest.workers.map((worker) => tailWorkerOptions(manifest, worker)),
      ...(aiBlocks.length ? [aiStandinWorker(({ model, failing }) => emit({
        event: "log", worker: "runtime", level: failing ? "warn" : "debug", time: Date.now(),
        message: `Workers AI stand-in: ${model}${failing ? " failed as asked (TOVA_AI_FAIL in the input)" : " answered"}`,
      }))] : []),
    ],
  });

  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  process.stdin.on("end", () => stop(0));
  process.stdin.on("close", () => stop(0));
  process.stdin.resume();

  try {
    await mf.ready;
    const inspector = await mf.getInspectorURL();
    const workers = {};
    for (const block of blocks) {
      workers[block] = (await mf.unsafeGetDirectURL(block)).href.replace(/\/$/, "");
      const session = new InspectorSession(inspector.host, block);
      sessions.set(block, session);
      // The inspector only carries console logs and heap figures: a worker whose inspector does not
      // answer (a loaded machine, Miniflare's proxy late to workerd) still serves, and its logs
      // follow once it does, rather than the whole runtime failing to start.
      try {
        await session.connect(Date.now() + 20000);
      } catch (error) {
        emit({ event: "log", worker: "runtime", level: "warn", time: Date.now(),
               message: `the inspector of ${block} does not answer yet (${error.message}); its console logs and heap figure follow when it does` });
        session.keepConnecting();
      }
    }
    await applyMigrations(mf, manifest, outDir);
    const token = randomBytes(24).toString("hex");
    const runtimePid = workerdPid();
    const control = await startControlServer(mf, manifest, sessions, token, runtimePid);
    emit({
      event: "ready",
      workers,
      inspector: `ws://${inspector.host}`,
      control: `http://127.0.0.1:${control.address().port}`,
      control_token: token,
      pid: process.pid,
      runtime_pid: runtimePid,
    });
  } catch (error) {
    emit({ event: "error", message: error.message });
    await stop(1);
  }
}

function tightenPermissions(folder) {
  chmodSync(folder, 0o700);
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) tightenPermissions(full);
    else if (entry.isFile()) chmodSync(full, 0o600);
  }
}

// Imported (tests/console/targets/local/test_runner_sql.py) it only defines; run, it starts the runtime.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
