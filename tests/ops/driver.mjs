// Test driver: runs hand-written or compiled worker modules on real workerd through Miniflare, so the
// runtime in compiler/js can be tested on the platform it targets. One JSON object per stdout line:
//   {"event":"ready","workers":{"api":"http://127.0.0.1:PORT"}}  {"event":"log","stream":"stdout","message":"..."}
//   {"event":"reply","id":n,"result":...} | {"event":"reply","id":n,"error":"..."}
// stdin takes one JSON command per line: {"id":n,"cmd":"scheduled","worker":"api","cron":"0 9 * * *"}.
// Closing stdin stops it. Usage: node driver.mjs CONFIG.json
//
// CONFIG: {"persist": dir|null, "workers": [{"name", "module", "compatibilityDate", "compatibilityFlags",
//   "bindings": {NAME: string}, "kv": {NAME: id}, "d1": {NAME: id}, "r2": {NAME: bucket},
//   "queueProducers": {BINDING: queue}, "queueConsumers": {queue: {maxBatchSize, maxBatchTimeout,
//   maxRetries, retryDelay, deadLetterQueue}}}]}
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

// Miniflare comes from the project's pinned npm side (runtime/), not from a folder beside this file.
const runtimeRequire = createRequire(new URL("../../runtime/package.json", import.meta.url));
const { Log, LogLevel, Miniflare } = await import(pathToFileURL(runtimeRequire.resolve("miniflare")).href);

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

// Miniflare's own messages (queue deliveries, DLQ moves) are log lines too, not stray stdout text.
class EventLog extends Log {
  log(message) {
    emit({ event: "log", stream: "miniflare", message: message.replace(/\x1b\[[0-9;]*m/g, "") });
  }
}

function forward(stream, name) {
  createInterface({ input: stream }).on("line", (line) => emit({ event: "log", stream: name, message: line }));
}

const persist = config.persist || false;
const mf = new Miniflare({
  log: new EventLog(LogLevel.INFO),
  cf: false, // no network: the placeholder `request.cf` is enough
  handleRuntimeStdio(stdout, stderr) {
    forward(stdout, "stdout");
    forward(stderr, "stderr");
  },
  kvPersist: persist && `${persist}/kv`,
  d1Persist: persist && `${persist}/d1`,
  r2Persist: persist && `${persist}/r2`,
  workers: config.workers.map((worker) => ({
    name: worker.name,
    modules: true,
    scriptPath: worker.module,
    modulesRoot: dirname(worker.module),
    compatibilityDate: worker.compatibilityDate || "2025-09-01",
    compatibilityFlags: worker.compatibilityFlags || [],
    bindings: worker.bindings || {},
    kvNamespaces: worker.kv || {},
    d1Databases: worker.d1 || {},
    r2Buckets: worker.r2 || {},
    queueProducers: Object.fromEntries(Object.entries(worker.queueProducers || {}).map(([b, q]) => [b, { queueName: q }])),
    queueConsumers: worker.queueConsumers || {},
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  })),
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}

try {
  await mf.ready;
  const workers = {};
  for (const worker of config.workers) workers[worker.name] = (await mf.unsafeGetDirectURL(worker.name)).href.replace(/\/$/, "");
  emit({ event: "ready", workers, pid: process.pid });
} catch (err) {
  emit({ event: "error", message: String(err && err.stack ? err.stack : err) });
  await stop(1);
}

async function run(command) {
  if (command.cmd === "scheduled") {
    const worker = await mf.getWorker(command.worker);
    return worker.scheduled({ cron: command.cron, scheduledTime: new Date() });
  }
  throw new Error(`unknown command ${command.cmd}`);
}

createInterface({ input: process.stdin })
  .on("line", async (line) => {
    let command;
    try {
      command = JSON.parse(line);
      emit({ event: "reply", id: command.id, result: await run(command) });
    } catch (err) {
      emit({ event: "reply", id: command && command.id, error: String(err && err.message ? err.message : err) });
    }
  })
  .on("close", () => stop(0));
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
