// GET <health path>: no auth and outside user middleware, so a key-protected API stays monitorable.
// Every figure is measured or marked `unavailable`; nothing is invented.

const __tova_CHECK_TIMEOUT_MS = 2000;
const __tova_SLOW_CHECK_MS = 1000;

function __tova_checkMemory() {
  const usage = typeof process !== "undefined" && process && typeof process.memoryUsage === "function" ? process.memoryUsage() : null;
  if (!usage) return { status: "unavailable", detail: "runtime exposes no heap figures" };
  if (!usage.heapUsed && !usage.heapTotal) return { status: "unavailable", detail: "runtime reports zero heap" };
  return { status: "ok", heap_used: usage.heapUsed, heap_total: usage.heapTotal, rss: usage.rss || null };
}

// One cheap round trip per binding kind; the key names cannot collide with user data in practice.
const __tova_BINDING_PROBES = {
  kv: (binding) => binding.get("__tova_health_probe"),
  d1: (binding) => binding.prepare("SELECT 1 AS ok").first(),
  r2: (binding) => binding.head("__tova_health_probe"),
  queue: async (binding) => {
    if (typeof binding.metrics !== "function") return {};
    const metrics = await binding.metrics();
    return { backlog_count: metrics.backlogCount ?? null };
  },
};

function __tova_withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function __tova_checkBinding({ kind, name }, env) {
  const binding = env[name];
  if (!binding) return { status: "down", detail: `binding ${name} is not configured` };
  const probe = __tova_BINDING_PROBES[kind];
  if (!probe) return { status: "ok", detail: "binding present" };
  const started = __tova_now();
  try {
    const extra = await __tova_withTimeout(Promise.resolve(probe(binding)), __tova_CHECK_TIMEOUT_MS);
    const latency = Math.round((__tova_now() - started) * 100) / 100;
    const result = { status: latency > __tova_SLOW_CHECK_MS ? "degraded" : "ok", latency_ms: latency };
    if (kind === "queue" && extra && "backlog_count" in extra) result.backlog_count = extra.backlog_count;
    return result;
  } catch (err) {
    return { status: "down", detail: __tova_errorMessage(err) };
  }
}

async function __tova_health(spec, env) {
  const health = spec.health || {};
  const checks = {};
  for (const name of health.checks || []) {
    if (name === "check_memory") checks.memory = __tova_checkMemory();
    else checks[name] = { status: "unavailable", detail: "unknown check" };
  }
  const bindings = [...(health.bindings || [])];
  const opsBinding = spec.ops && spec.ops.d1;
  const declared = bindings.some((binding) => binding.name === opsBinding);
  if (opsBinding && !declared && env[opsBinding]) bindings.push({ kind: "d1", name: opsBinding });
  const results = await Promise.all(bindings.map((binding) => __tova_checkBinding(binding, env)));
  bindings.forEach((binding, i) => {
    checks[`${binding.kind}:${binding.name}`] = results[i];
  });
  // Without the ops store the worker still serves, but dead letters, cron runs and counters go unrecorded.
  if (opsBinding && !declared && !env[opsBinding]) {
    checks[`d1:${opsBinding}`] = { status: "degraded", detail: "ops store not configured: dead letters, cron runs and queue counters are not recorded" };
  }
  const statuses = Object.values(checks).map((check) => check.status);
  const status = statuses.includes("down") ? "down" : statuses.includes("degraded") ? "degraded" : "ok";
  return __tova_json(
    { status, worker: spec.worker, time: new Date().toISOString(), checks },
    status === "down" ? 503 : 200,
    { "Cache-Control": "no-store" },
  );
}
