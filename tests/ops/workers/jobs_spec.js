// A hand-written stand-in for what codegen emits for a jobs worker (seed 001's async job API), so the
// runtime can be tested on workerd before and independently of the compiler.
let DB, JOBS, BULK, FRAGILE, REKEY, REKEY_DLQ, TOVA_ADMIN_TOKEN;
function __tova_bind(env) {
  DB = env.DB;
  JOBS = env.JOBS;
  BULK = env.BULK;
  FRAGILE = env.FRAGILE;
  REKEY = env.REKEY;
  REKEY_DLQ = env.REKEY_DLQ;
  TOVA_ADMIN_TOKEN = env.TOVA_ADMIN_TOKEN;
}

async function ensureTables() {
  await DB.batch([
    DB.prepare(`CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, payload TEXT NOT NULL, status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, runs INTEGER NOT NULL DEFAULT 0, error TEXT, created_at INTEGER, updated_at INTEGER)`),
    DB.prepare("CREATE TABLE IF NOT EXISTS bulk_seen (n INTEGER PRIMARY KEY, times INTEGER NOT NULL)"),
    DB.prepare("CREATE TABLE IF NOT EXISTS bulk_mode (id INTEGER PRIMARY KEY, failing INTEGER NOT NULL)"),
  ]);
}

async function setStatus(id, status, error = null) {
  await DB.prepare("UPDATE jobs SET status = ?, error = ?, updated_at = ? WHERE id = ?").bind(status, error, Date.now(), id).run();
}

const __tova_spec = {
  worker: "jobs",
  script: "jobs-jobs",
  bind: __tova_bind,
  cors: null,
  health: { path: "/healthz", checks: ["check_memory"], bindings: [{ kind: "d1", name: "DB" }, { kind: "queue", name: "JOBS" }] },
  onError: async (err) => ({ error: err.message, worker: "jobs" }),
  middleware: [],
  routes: [
    {
      method: "POST", path: "/api/jobs", handler: async (req) => {
        await ensureTables();
        const payload = await req.json();
        const id = crypto.randomUUID();
        await DB.prepare("INSERT INTO jobs (id, payload, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)")
          .bind(id, JSON.stringify(payload), Date.now(), Date.now()).run();
        await JOBS.send({ job_id: id });
        return new Response(JSON.stringify({ job_id: id, status_url: `/api/jobs/${id}` }), { status: 202, headers: { "Content-Type": "application/json" } });
      },
    },
    {
      method: "GET", path: "/api/jobs/:id", handler: async (req, params) => {
        await ensureTables();
        const job = await DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(params.id).first();
        return job === null ? new Response(JSON.stringify({ error: "Job not found" }), { status: 404 }) : { ...job, payload: JSON.parse(job.payload) };
      },
    },
    {
      method: "PATCH", path: "/api/jobs/:id", handler: async (req, params) => {
        const { payload } = await req.json();
        await DB.prepare("UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ?").bind(JSON.stringify(payload), Date.now(), params.id).run();
        return { id: params.id, payload };
      },
    },
    {
      method: "POST", path: "/api/bulk", handler: async (req) => {
        await ensureTables();
        const { count } = await req.json();
        for (let start = 0; start < count; start += 100) {
          const messages = [];
          for (let n = start; n < Math.min(count, start + 100); n++) messages.push({ body: { n } });
          await BULK.sendBatch(messages);
        }
        return { sent: count };
      },
    },
    {
      method: "POST", path: "/api/fragile", handler: async (req) => {
        await FRAGILE.send(await req.json());
        return { sent: 1 };
      },
    },
    // The test plays a platform that moves a dead message to its DLQ under a new id.
    {
      method: "POST", path: "/api/rekey", handler: async (req) => {
        await REKEY.send(await req.json());
        return { sent: 1 };
      },
    },
    {
      method: "POST", path: "/api/rekey/dead", handler: async (req) => {
        await REKEY_DLQ.send(await req.json());
        return { sent: 1 };
      },
    },
    {
      method: "PUT", path: "/api/bulk/mode", handler: async (req) => {
        await ensureTables();
        const { failing } = await req.json();
        await DB.prepare("INSERT INTO bulk_mode (id, failing) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET failing = ?1").bind(failing ? 1 : 0).run();
        return { failing };
      },
    },
    {
      method: "GET", path: "/api/bulk/seen", handler: async () => {
        await ensureTables();
        const { results } = await DB.prepare("SELECT n, times FROM bulk_seen ORDER BY n").all();
        return results;
      },
    },
  ],
  schedules: [
    { name: "daily-report", cron: "0 9 * * *", run: async () => {
      await ensureTables();
      const row = await DB.prepare("SELECT COUNT(*) AS c FROM jobs").first();
      console.log(`Daily report: ${row.c} jobs`);
    } },
    { name: "sweeper", cron: "*/5 * * * *", run: async () => { throw new Error("sweeper is broken"); } },
  ],
  consumers: [
    { queue: "jobs", binding: "JOBS", maxRetries: 3, dlq: "jobs-dlq", handler: async (messages) => {
      for (const msg of messages) {
        const id = msg.body.job_id;
        const job = await DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(id).first();
        if (job === null) continue;
        await DB.prepare("UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, updated_at = ? WHERE id = ?").bind(Date.now(), id).run();
        const payload = JSON.parse(job.payload);
        if (payload.fail) {
          await setStatus(id, "failed", `asked to fail: ${payload.reason}`);
          throw new Error(`job ${id} asked to fail: ${payload.reason}`);
        }
        await DB.prepare("UPDATE jobs SET status = 'completed', runs = runs + 1, error = NULL, updated_at = ? WHERE id = ?").bind(Date.now(), id).run();
      }
    } },
    { queue: "bulk", binding: "BULK", maxRetries: 1, dlq: "bulk-dlq", handler: async (messages) => {
      const mode = await DB.prepare("SELECT failing FROM bulk_mode WHERE id = 1").first();
      if (mode && mode.failing) throw new Error("bulk processing is switched off");
      await DB.batch(messages.map((msg) => DB.prepare(
        "INSERT INTO bulk_seen (n, times) VALUES (?, 1) ON CONFLICT(n) DO UPDATE SET times = times + 1").bind(msg.body.n)));
    } },
    // No DLQ: a message given up on is dropped, which the counters must say.
    { queue: "fragile", binding: "FRAGILE", maxRetries: 1, dlq: null, handler: async () => {
      throw new Error("fragile always fails");
    } },
    { queue: "rekey", binding: "REKEY", maxRetries: 0, dlq: "rekey-dlq", handler: async () => {
      throw new Error("rekey failed");
    } },
  ],
  deadLetterStores: [
    { dlq: "jobs-dlq", source: "jobs", sourceBinding: "JOBS" },
    { dlq: "bulk-dlq", source: "bulk", sourceBinding: "BULK" },
    { dlq: "rekey-dlq", source: "rekey", sourceBinding: "REKEY" },
  ],
  queues: [{ name: "jobs", binding: "JOBS" }, { name: "bulk", binding: "BULK" }, { name: "fragile", binding: "FRAGILE" }],
  ops: { prefix: "/__tova", d1: "TOVA_OPS", tokenSecret: "TOVA_ADMIN_TOKEN" },
};
