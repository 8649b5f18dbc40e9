// The /__tova/* admin routes (contracts.md §3). They exist only when the worker has the admin token
// secret: without it every admin path answers 404 and nothing runs; with it a missing or wrong
// `Authorization: Bearer` answers 401. The token is compared in constant time and never logged.

const __tova_REPLAY_DEFAULT_RATE = 50; // messages per second
const __tova_REPLAY_MAX_RATE = 1000;
// One request replays for at most this long; `remaining` tells the caller to ask again.
const __tova_REPLAY_BUDGET_MS = 25000;
const __tova_DLQ_PAGE_MAX = 500;

// Hashing both sides first makes the comparison's time independent of where they differ and of the
// presented token's length.
async function __tova_tokenMatches(presented, expected) {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

async function __tova_authorize(request, env, ops) {
  const expected = env[ops.tokenSecret];
  if (typeof expected !== "string" || expected === "") return __tova_json({ error: "not found" }, 404);
  const header = request.headers.get("Authorization") || "";
  const presented = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (presented === "" || !(await __tova_tokenMatches(presented, expected))) {
    return __tova_json({ error: "unauthorized" }, 401, { "WWW-Authenticate": 'Bearer realm="tova"' });
  }
  return null;
}

async function __tova_readJson(request) {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {}
  throw new __tova_BadRequest("the body must be a JSON object");
}

// {ids: [...]} or {all: true, queue?}: the dead letters an action applies to.
function __tova_selection(body) {
  if (Array.isArray(body.ids)) return { ids: body.ids.map(String), all: false, queue: null };
  if (body.all === true) return { ids: null, all: true, queue: body.queue ? String(body.queue) : null };
  throw new __tova_BadRequest('give "ids": [...] or "all": true');
}

function __tova_ownStore(spec, row) {
  return (spec.deadLetterStores || []).find((store) => store.source === row.queue) || null;
}

// The source queues whose dead letters this worker serves, narrowed to `queue` when given. Each DLQ is
// served by exactly one worker, so a console that asks every worker sees each dead letter once.
function __tova_ownQueues(spec, queue = null) {
  const sources = (spec.deadLetterStores || []).map((store) => store.source);
  return queue === null ? sources : sources.filter((source) => source === queue);
}

function __tova_waitMs(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

// Each entry is claimed before it is sent, so replays running side by side (two CLIs, the console
// beside a CLI, two people) never send one dead letter twice: what another holds is `skipped`. A pass
// over "all" replays what had died before it began (`before`, handed back for the next request),
// so a letter that dies again during the pass waits for the next one instead of being sent again.
async function __tova_replay(spec, env, body) {
  const db = env[spec.ops.d1];
  const rate = body.rate === undefined ? __tova_REPLAY_DEFAULT_RATE : Number(body.rate);
  if (!(rate > 0 && rate <= __tova_REPLAY_MAX_RATE)) throw new __tova_BadRequest(`rate must be between 0 and ${__tova_REPLAY_MAX_RATE} per second`);
  const max = body.max === undefined || body.max === null ? null : Number(body.max);
  if (max !== null && !(Number.isInteger(max) && max >= 0)) throw new __tova_BadRequest("max must be a whole number");
  const before = body.before === undefined || body.before === null ? Date.now() : Number(body.before);
  if (!Number.isFinite(before)) throw new __tova_BadRequest("before must be a time in milliseconds");
  const selection = __tova_selection(body);
  const queues = __tova_ownQueues(spec, selection.queue);
  const boot = env.TOVA_LOCAL_BOOT || null;
  const owner = crypto.randomUUID();
  // Never load more than one request can send within its time budget (named ids are few by nature).
  const fits = Math.floor((rate * __tova_REPLAY_BUDGET_MS) / 1000) + 1;
  const cap = max === null ? fits : Math.min(max, fits);
  let rows = await __tova_selectDeadLetters(db, { ids: selection.ids, queues, max: selection.ids ? null : cap, before, boot });

  const replayed = [];
  const failed = [];
  const skipped = [];
  if (selection.ids) {
    const found = new Set(rows.map((row) => row.id));
    for (const id of selection.ids) {
      if (found.has(id)) continue;
      const held = await __tova_getDeadLetter(db, id, boot);
      if (held && held.state !== "stored") skipped.push(id);
      else failed.push({ id, error: "not in this worker's dead-letter store" });
    }
    rows = rows.slice(0, cap);
  }
  const started = Date.now();
  let sent = 0;
  for (const row of rows) {
    // Evenly spaced sends: the i-th send leaves at i/rate seconds after the start.
    await __tova_waitMs(started + (sent * 1000) / rate - Date.now());
    if (Date.now() - started > __tova_REPLAY_BUDGET_MS) break;
    if (!(await __tova_claim(db, row.id, owner, { boot }))) {
      skipped.push(row.id); // another replay holds it (or already sent it)
      continue;
    }
    const store = __tova_ownStore(spec, row);
    const producer = env[store.sourceBinding];
    sent++;
    try {
      if (!producer) throw new Error(`binding ${store.sourceBinding} is not configured`);
      const options = row.content_type === "bytes" ? { contentType: "bytes" } : undefined;
      await producer.send(__tova_decodeBody(row.body, row.content_type), options);
    } catch (err) {
      await __tova_release(db, row.id, owner).catch(() => {});
      failed.push({ id: row.id, error: `not sent to ${row.queue}: ${__tova_errorMessage(err)}` });
      continue;
    }
    // Only now, with the message back on its queue, may the entry leave the store (or, on the local
    // runtime, be marked in flight until its consumer has it).
    try {
      await __tova_retireReplayed(db, row, { owner, boot });
      if (boot) __tova_inFlight.set(db, (__tova_inFlight.get(db) || 0) + 1);
      replayed.push(row.id);
    } catch (err) {
      failed.push({ id: row.id, error: `sent to ${row.queue}, but its entry could not be updated (it is held for ${__tova_CLAIM_MS / 1000}s, then replayable again, which may duplicate it): ${__tova_errorMessage(err)}` });
    }
  }
  const remaining = await __tova_countDeadLetters(db, queues, { before, boot });
  if (replayed.length) console.log(`dead letters: replayed ${replayed.length} message(s) at up to ${rate}/s`);
  return { replayed, failed, skipped, remaining, before, in_flight_until_consumed: Boolean(boot) };
}

async function __tova_deleteSelected(spec, env, body) {
  const db = env[spec.ops.d1];
  const selection = __tova_selection(body);
  const queues = __tova_ownQueues(spec, selection.queue);
  let deleted = 0;
  if (selection.ids) {
    for (const row of await __tova_selectDeadLetters(db, { ids: selection.ids, queues, any: true })) deleted += await __tova_deleteDeadLetter(db, row.id);
  } else {
    deleted = await __tova_deleteAllDeadLetters(db, queues);
  }
  if (deleted) console.log(`dead letters: deleted ${deleted} message(s)`);
  return { deleted };
}

async function __tova_listOwn(spec, env, db, url) {
  const stores = spec.deadLetterStores || [];
  const queue = url.searchParams.get("queue") || null;
  const limit = Math.max(1, Math.min(__tova_DLQ_PAGE_MAX, parseInt(url.searchParams.get("limit") || "50", 10) || 50));
  const cursor = url.searchParams.get("cursor") || null;
  if (stores.length === 0 || (queue && !stores.some((store) => store.source === queue))) {
    return { messages: [], next_cursor: null, total: 0 };
  }
  // All of a project's workers share one ops database; a worker lists only the DLQs it serves.
  // `arriving=1`: also what its consumer gave up on and its DLQ has not stored yet (the console asks, so
  // its counters and its table agree at every poll); without it, only what a replay can take now
  const arriving = url.searchParams.get("arriving") === "1";
  return __tova_listDeadLetters(db, { queues: queue ? [queue] : stores.map((store) => store.source), limit, cursor, boot: env.TOVA_LOCAL_BOOT || null, arriving });
}

// Admin answers are live state and may hold message bodies: no cache may keep them.
async function __tova_admin(spec, request, env, url, ctx = null) {
  const response = await __tova_adminAnswer(spec, request, env, url, ctx);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

async function __tova_adminAnswer(spec, request, env, url, ctx) {
  const denied = await __tova_authorize(request, env, spec.ops);
  if (denied) return denied;
  const path = url.pathname.slice(spec.ops.prefix.length).replace(/\/+$/, "") || "/";
  const method = request.method;
  const db = env[spec.ops.d1];
  try {
    if (method === "GET" && path === "/info") {
      return __tova_json({
        worker: spec.worker,
        script: spec.script,
        queues: (spec.queues || []).map((queue) => queue.name),
        consumes: (spec.consumers || []).map((consumer) => consumer.queue),
        schedules: (spec.schedules || []).map((schedule) => schedule.name),
        dead_letter_stores: (spec.deadLetterStores || []).map((store) => store.dlq),
      });
    }
    if (method === "GET" && path === "/queues") {
      const queues = await __tova_queueMetrics(spec, env);
      const consumed = (spec.consumers || []).map((consumer) => consumer.queue);
      const counters = db && consumed.length ? await __tova_readCounters(db, consumed) : [];
      return __tova_json({ queues, counters });
    }
    if (method === "GET" && path === "/crons") {
      const crons = [];
      for (const schedule of spec.schedules || []) {
        crons.push({ name: schedule.name, cron: schedule.cron, runs: db ? await __tova_recentCronRuns(db, schedule.name) : [] });
      }
      return __tova_json({ crons });
    }
    if (method === "POST" && path.startsWith("/cron/")) {
      const name = __tova_decodeSegment(path.slice("/cron/".length));
      const schedule = (spec.schedules || []).find((candidate) => candidate.name === name);
      if (!schedule) return __tova_json({ error: `no schedule named "${name}" in worker ${spec.worker}` }, 404);
      return __tova_json(await __tova_runSchedule(schedule, "manual", __tova_cronController(schedule), env, spec.ops));
    }
    if (path === "/dlq" || path.startsWith("/dlq/")) {
      if (!db) return __tova_json({ error: `the ops store (D1 binding ${spec.ops.d1}) is not configured` }, 503);
      if (method === "GET" && path === "/dlq") return __tova_json(await __tova_listOwn(spec, env, db, url));
      if (method === "POST" && path === "/dlq/replay") {
        // kept running if the caller goes away (a killed CLI): stopping between a send and its
        // bookkeeping is the one moment a replay could duplicate a message
        const replay = __tova_replay(spec, env, await __tova_readJson(request));
        if (ctx && typeof ctx.waitUntil === "function") ctx.waitUntil(replay.catch(() => {}));
        return __tova_json(await replay);
      }
      if (method === "POST" && path === "/dlq/delete") return __tova_json(await __tova_deleteSelected(spec, env, await __tova_readJson(request)));
      if (method === "GET" && path.startsWith("/dlq/")) {
        const row = await __tova_getDeadLetter(db, __tova_decodeSegment(path.slice("/dlq/".length)), env.TOVA_LOCAL_BOOT || null);
        if (!row || !__tova_ownStore(spec, row)) return __tova_json({ error: "no such dead letter" }, 404);
        return __tova_json(row);
      }
    }
    return __tova_json({ error: "not found" }, 404);
  } catch (err) {
    if (err instanceof __tova_BadRequest) return __tova_json({ error: err.message }, 400);
    console.error(`tova admin ${method} ${path} failed: ${__tova_errorMessage(err)}`);
    return __tova_json({ error: __tova_errorMessage(err) }, 500);
  }
}
