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
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Miniflare, Log, LogLevel } from "miniflare";
import { AI_FAIL_MARKER, AI_STANDIN_NAME, aiStandinWorker } from "./ai_standin.mjs";
import { startControlServer, workerdPid } from "./control.mjs";
import { applyMigrations } from "./migrations.mjs";
import { InspectorSession, IsolateCollector, userIsolate } from "./inspector.mjs";
import { emit, runtimeLog } from "./protocol.mjs";

const DEFAULT_MAX_RETRIES = 3; // Cloudflare's default when the program sets none

// ── output: one JSON object per line, and nothing else on stdout ─────────────────────────────────────

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

// Every worker gets a tail worker of its own (the events carry no script name locally), which writes
// each request's summary as one console line that the runner reads from the tail's inspector session
// and emits as the worker's request line, like `wrangler dev` prints. Not a service binding to the
// runner: that trip goes through a custom-fetch isolate whose memory workerd's inspector cannot reach
// to collect (inspector.mjs), about 7 KB per request for good. The console polls health and the ops
// routes every few seconds; those lines would drown the rest, so the tail worker drops them itself.
const TAIL_PREFIX = "__tova_tail_";
const REQUEST_MARK = "\u0000tova-request ";
const TAIL_SCRIPT = `export default {
  tail(events, env) {
    for (const trace of events) {
      const request = trace.event?.request;
      if (!request) continue;
      const url = new URL(request.url);
      const path = url.pathname;
      if (path === env.HEALTH_PATH || path === env.OPS_PREFIX || path.startsWith(env.OPS_PREFIX + "/")) continue;
      const status = trace.event.response?.status;
      const result = status !== undefined ? String(status) : "-> " + trace.outcome;
      console.log(${JSON.stringify(REQUEST_MARK)} + (trace.eventTimestamp ?? Date.now()) + " " + request.method + " " + path + url.search + " " + result);
    }
  },
};`;

// The tail isolate's console lines (see TAIL_SCRIPT) as request lines of the worker it tails.
function requestLines(block) {
  return (text, time) => {
    if (!text.startsWith(REQUEST_MARK)) return;
    const line = text.slice(REQUEST_MARK.length);
    const space = line.indexOf(" ");
    emit({ event: "log", worker: block, level: "debug", message: line.slice(space + 1), time: Number(line.slice(0, space)) || time });
  };
}

function tailWorkerOptions(manifest, worker) {
  return {
    name: TAIL_PREFIX + worker.block,
    modules: true,
    script: TAIL_SCRIPT,
    compatibilityDate: manifest.compatibility_date,
    bindings: { HEALTH_PATH: worker.health?.path ?? "/healthz", OPS_PREFIX: manifest.ops?.prefix ?? "/__tova" },
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
    tails: [TAIL_PREFIX + worker.block],
  };
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
    runtimeLog(levelName, plain);
  }
  error(error) {
    runtimeLog("error", error?.stack ?? String(error));
  }
}

async function main() {
  process.on("uncaughtException", (error) => {
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
    runtimeLog("warn", `Workers AI has no local runtime: the ai binding of ${aiBlocks.join(", ")} is tova's stand-in ` +
             `(deterministic answers in the model's shape, not a model; an input containing ${AI_FAIL_MARKER} fails)`);
  }

  // While every worker's inspector is attached, workerd's stdout and stderr only repeat (without the
  // worker's name) the console lines and uncaught errors the inspectors already gave us, so they are
  // dropped, except workerd's own diagnostics, which name their C++ source ("server.c++:123"). Before
  // the inspectors attach (or after one drops) everything is passed on as the runtime's.
  const sessions = new Map();
  const tails = []; // the tail workers' sessions: request lines (see TAIL_SCRIPT)
  const attributed = () => sessions.size === blocks.length && [...sessions.values()].every((s) => s.connected);
  const forward = (level) => (chunk) => {
    for (const line of String(chunk).split(/\r?\n/)) {
      if (!line.trim() || line.includes(REQUEST_MARK) || (attributed() && !/\.c\+\+:\d+/.test(line))) continue;
      // workerd's own note of a JavaScript error the worker's inspector already reported with its worker
      if (attributed() && /Uncaught exception: .*jsg\.\w*Error/.test(line)) continue;
      if (/^stack:( \S+@[0-9a-f]+)+$/.test(line)) continue; // raw addresses of a workerd crash: noise to a reader
      runtimeLog(level, line);
    }
  };

  let mf;
  let collector;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    for (const session of [...sessions.values(), ...tails]) session.close();
    collector?.close();
    try {
      await mf?.dispose();
    } catch {
      // workerd already gone: nothing left to dispose
    } finally {
      process.exit(code);
    }
  };

  // gc() in every isolate, for IsolateCollector (Miniflare passes these flags to workerd).
  const v8Flags = process.env.MINIFLARE_WORKERD_V8_FLAGS ?? "";
  if (!/--expose-gc\b/.test(v8Flags)) process.env.MINIFLARE_WORKERD_V8_FLAGS = `${v8Flags} --expose-gc`.trim();
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
      const session = new InspectorSession(inspector.host, userIsolate(block), block);
      sessions.set(block, session);
      const tail = new InspectorSession(inspector.host, userIsolate(TAIL_PREFIX + block), null, requestLines(block));
      tails.push(tail);
      // The inspector only carries console logs, request lines and heap figures: a worker whose
      // inspector does not answer (a loaded machine) still serves, and its logs follow once it does,
      // rather than the whole runtime failing to start.
      for (const [attached, what] of [[session, "console logs and heap figure"], [tail, "request lines"]]) {
        try {
          await attached.connect(Date.now() + 20000);
        } catch (error) {
          runtimeLog("warn", `the inspector of ${attached.worker} does not answer yet (${error.message}); its ${what} follow when it does`);
          attached.keepConnecting();
        }
      }
    }
    await applyMigrations(mf, manifest, outDir);
    collector = new IsolateCollector(inspector.host, [...sessions.values(), ...tails]);
    const collectEvery = Number(process.env.TOVA_COLLECT_EVERY_MS ?? 10000);
    if (collectEvery > 0) collector.start(collectEvery);
    const token = randomBytes(24).toString("hex");
    const runtimePid = workerdPid();
    const control = await startControlServer(mf, manifest, sessions, collector, token, runtimePid);
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

// Imported, it only defines; run as a program, it starts the runtime.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
