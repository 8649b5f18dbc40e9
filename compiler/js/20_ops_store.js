// The ops store: the project's own D1 database (binding TOVA_OPS) holding dead letters, the error that
// killed each failing message, per-queue counters and cron runs. Every worker of a project shares it.
// Tables are created lazily so a fresh database (local state wiped, new deploy) just works.

const __tova_OPS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS tova_dead_letters (
     id TEXT PRIMARY KEY, queue TEXT NOT NULL, dlq TEXT NOT NULL, body TEXT NOT NULL,
     content_type TEXT NOT NULL DEFAULT 'json', attempts INTEGER, first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL, error TEXT, replays INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX IF NOT EXISTS tova_dead_letters_by_last_seen ON tova_dead_letters (last_seen DESC, id DESC)`,
  `CREATE INDEX IF NOT EXISTS tova_dead_letters_by_queue ON tova_dead_letters (queue, last_seen DESC, id DESC)`,
  // Written by the source queue's consumer wrapper each time a message fails, read (and removed) when
  // the message reaches its DLQ: this is how a dead letter knows why it died and how often it was tried.
  // Found by message id (workerd keeps the id when moving a message to its DLQ) or, should a platform
  // hand the DLQ a new id, by the body's fingerprint on the same source queue.
  `CREATE TABLE IF NOT EXISTS tova_failures (
     id TEXT PRIMARY KEY, queue TEXT NOT NULL, fingerprint TEXT NOT NULL, attempts INTEGER NOT NULL,
     error TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS tova_failures_by_body ON tova_failures (queue, fingerprint, last_seen DESC)`,
  // A message its consumer gave up on, from that moment until its DLQ's consumer stores it (the DLQ
  // batches: seconds). Listed with the dead letters as "arriving", so the queue's dead counter and the
  // dead-letter table agree at every poll; not replayable until it is stored.
  // On the local runtime the DLQ lives in memory: an arriving entry of an earlier boot (`boot`) never
  // will be stored by its consumer, so it is stored from here instead (nothing is lost to a restart).
  `CREATE TABLE IF NOT EXISTS tova_arriving (
     id TEXT PRIMARY KEY, queue TEXT NOT NULL, dlq TEXT NOT NULL, fingerprint TEXT NOT NULL, body TEXT NOT NULL,
     content_type TEXT NOT NULL, attempts INTEGER, error TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
     boot TEXT)`,
  `CREATE INDEX IF NOT EXISTS tova_arriving_by_body ON tova_arriving (queue, fingerprint)`,
  // A replayed body that dies again comes back as a new message; this remembers the lineage.
  `CREATE TABLE IF NOT EXISTS tova_replays (
     fingerprint TEXT PRIMARY KEY, queue TEXT NOT NULL, replays INTEGER NOT NULL,
     first_seen INTEGER NOT NULL, replayed_at INTEGER NOT NULL)`,
  // A replay's hold on a dead letter: taken in one statement before the send (so two replays never
  // send the same entry), released if the send fails. On the local runtime, whose queues live in
  // memory, a sent entry stays (sent_at, boot) until its message is consumed or dies again; if the
  // runtime stops first (a new boot), the entry is simply replayable again: nothing is lost.
  `CREATE TABLE IF NOT EXISTS tova_claims (
     id TEXT PRIMARY KEY, owner TEXT NOT NULL, until INTEGER NOT NULL, sent_at INTEGER, boot TEXT,
     fingerprint TEXT)`,
  `CREATE INDEX IF NOT EXISTS tova_claims_by_body ON tova_claims (fingerprint)`,
  `CREATE TABLE IF NOT EXISTS tova_queue_counters (
     queue TEXT PRIMARY KEY, acked INTEGER NOT NULL DEFAULT 0, retried INTEGER NOT NULL DEFAULT 0,
     dead_lettered INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0,
     last_error TEXT, updated_at INTEGER)`,
  `CREATE TABLE IF NOT EXISTS tova_cron_runs (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, trigger TEXT NOT NULL, started_at INTEGER NOT NULL,
     duration_ms REAL NOT NULL, ok INTEGER NOT NULL, error TEXT)`,
  `CREATE INDEX IF NOT EXISTS tova_cron_runs_by_name ON tova_cron_runs (name, started_at DESC)`,
];

const __tova_CRON_RUNS_KEPT = 100;
const __tova_CLAIM_MS = 120000; // a replay that dies holding entries frees them after this long
const __tova_REPLAY_LINEAGE_MS = 7 * 24 * 3600 * 1000;

// One schema check per isolate and database binding; a failure is retried on the next call.
const __tova_opsReady = new WeakMap();

async function __tova_opsDb(db) {
  if (!db) throw new Error("the ops store (D1 binding TOVA_OPS) is not configured for this worker");
  let ready = __tova_opsReady.get(db);
  if (!ready) {
    ready = db.batch(__tova_OPS_SCHEMA.map((sql) => db.prepare(sql.replace(/\s+/g, " "))));
    __tova_opsReady.set(db, ready);
    ready.catch(() => __tova_opsReady.delete(db));
  }
  await ready;
  return db;
}

// Bodies are kept as text: JSON for structured values, base64 for bytes, plain for strings that
// are not JSON-able (the content type says which, so replay sends back what came in).
function __tova_encodeBody(body) {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { text: btoa(binary), contentType: "bytes" };
  }
  return { text: JSON.stringify(body === undefined ? null : body), contentType: "json" };
}

function __tova_decodeBody(text, contentType) {
  if (contentType === "bytes") {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  return JSON.parse(text);
}

async function __tova_fingerprint(queue, bodyText) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(queue + "\n" + bodyText));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Where a dead letter stands: "stored", "replaying" (a replay holds it) or "in_flight" (sent to its
// queue by a replay on this runtime, not yet consumed: it leaves the store when it is).
function __tova_deadLetterState(row, boot, now = Date.now()) {
  if (row.arriving) return "arriving";
  if (row.claim_sent_at !== null && row.claim_sent_at !== undefined) return boot && row.claim_boot === boot ? "in_flight" : "stored";
  return row.claim_until && row.claim_until >= now ? "replaying" : "stored";
}

function __tova_deadLetterRow(row, boot = null) {
  return {
    state: __tova_deadLetterState(row, boot),
    id: row.id,
    queue: row.queue,
    dlq: row.dlq,
    body: row.content_type === "bytes" ? row.body : JSON.parse(row.body),
    content_type: row.content_type,
    attempts: row.attempts,
    first_seen: row.first_seen,
    last_seen: row.last_seen,
    error: row.error ?? null,
    replays: row.replays,
  };
}

// -- failures seen by source consumers ------------------------------------------------------------

// One batch (one round trip, one transaction) per consumed batch: the failures to remember, the
// failures of recovered messages to forget, and the queue's counters.
async function __tova_recordBatchOutcome(db, queue, { failed, recovered, delta, lastError, boot = null }, now = Date.now()) {
  await __tova_opsDb(db);
  const statements = failed.map(({ id, fingerprint, attempts, error }) => db.prepare(
    `INSERT INTO tova_failures (id, queue, fingerprint, attempts, error, first_seen, last_seen)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
     ON CONFLICT(id) DO UPDATE SET attempts = MAX(attempts, ?4), error = ?5, last_seen = ?6`,
  ).bind(id, queue, fingerprint, attempts, error, now));
  for (const entry of failed.filter((e) => e.dlq)) {
    statements.push(db.prepare(
      `INSERT INTO tova_arriving (id, queue, dlq, fingerprint, body, content_type, attempts, error, first_seen, last_seen, boot)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)
       ON CONFLICT(id) DO UPDATE SET attempts = ?7, error = ?8, last_seen = ?9, boot = ?10`,
    ).bind(entry.id, queue, entry.dlq, entry.fingerprint, entry.body, entry.contentType, entry.attempts, entry.error, now, boot));
  }
  for (const id of recovered) statements.push(db.prepare("DELETE FROM tova_failures WHERE id = ?").bind(id));
  // A record whose message never reached a DLQ (dropped, or its DLQ consumer gone) is not kept forever.
  if (failed.length || recovered.length) {
    statements.push(db.prepare("DELETE FROM tova_failures WHERE last_seen < ?").bind(now - __tova_REPLAY_LINEAGE_MS));
    statements.push(db.prepare("DELETE FROM tova_arriving WHERE last_seen < ?").bind(now - __tova_REPLAY_LINEAGE_MS));
  }
  statements.push(db.prepare(
    `INSERT INTO tova_queue_counters (queue, acked, retried, dead_lettered, dropped, last_error, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT(queue) DO UPDATE SET acked = acked + ?2, retried = retried + ?3,
       dead_lettered = dead_lettered + ?4, dropped = dropped + ?5,
       last_error = COALESCE(?6, last_error), updated_at = ?7`,
  ).bind(queue, delta.acked || 0, delta.retried || 0, delta.dead_lettered || 0, delta.dropped || 0, lastError, now));
  await db.batch(statements);
}

async function __tova_readCounters(db, queues) {
  await __tova_opsDb(db);
  const { results } = await db.prepare("SELECT * FROM tova_queue_counters").all();
  const byQueue = new Map(results.map((row) => [row.queue, row]));
  return queues.map((queue) => {
    const row = byQueue.get(queue) || {};
    const counter = { queue, acked: row.acked || 0, retried: row.retried || 0, dead_lettered: row.dead_lettered || 0, dropped: row.dropped || 0 };
    if (row.last_error) counter.last_error = row.last_error;
    return counter;
  });
}

// -- dead letters ---------------------------------------------------------------------------------

// Stores dead messages arriving on a DLQ. The failure record left by the source consumer (same message
// id: the platform moves a message to its DLQ under its id) gives the attempts and the error.
async function __tova_storeDeadLetters(db, store, messages, fallbackAttempts, now = Date.now()) {
  await __tova_opsDb(db);
  const entries = [];
  for (const msg of messages) {
    const { text, contentType } = __tova_encodeBody(msg.body);
    entries.push({ msg, text, contentType, fingerprint: await __tova_fingerprint(store.source, text) });
  }
  // All lookups in one round trip: the failure record and the replay lineage of every message.
  const lookups = await db.batch(entries.flatMap(({ msg, fingerprint }) => [
    db.prepare(
      `SELECT * FROM tova_failures WHERE id = ?1 OR (queue = ?2 AND fingerprint = ?3)
       ORDER BY (id = ?1) DESC, last_seen DESC LIMIT 1`,
    ).bind(msg.id, store.source, fingerprint),
    db.prepare("SELECT * FROM tova_replays WHERE fingerprint = ?").bind(fingerprint),
  ]));
  const writes = [];
  entries.forEach(({ msg, text, contentType, fingerprint }, i) => {
    writes.push(...__tova_settleSent(db, fingerprint, msg.id));
    const failure = lookups[2 * i].results[0] || null;
    const lineage = lookups[2 * i + 1].results[0] || null;
    const firstSeen = lineage ? lineage.first_seen : failure ? failure.first_seen : now;
    writes.push(db.prepare(
      `INSERT INTO tova_dead_letters (id, queue, dlq, body, content_type, attempts, first_seen, last_seen, error, replays)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
       ON CONFLICT(id) DO UPDATE SET last_seen = ?8, attempts = COALESCE(?6, attempts), error = COALESCE(?9, error)`,
    ).bind(msg.id, store.source, store.dlq, text, contentType, failure ? failure.attempts : fallbackAttempts,
      firstSeen, now, failure ? failure.error : null, lineage ? lineage.replays : 0));
    writes.push(db.prepare("DELETE FROM tova_failures WHERE id = ?").bind(failure ? failure.id : msg.id));
    writes.push(db.prepare("DELETE FROM tova_arriving WHERE id = ?1 OR (queue = ?2 AND fingerprint = ?3)")
      .bind(msg.id, store.source, fingerprint));
    if (lineage) writes.push(db.prepare("DELETE FROM tova_replays WHERE fingerprint = ?").bind(fingerprint));
  });
  if (writes.length) await db.batch(writes);
}

// Local runtime: entries that were arriving when an earlier runtime stopped (their DLQ message died with
// its memory) are stored now, with the attempts and error their failure record kept.
async function __tova_recoverArriving(db, boot) {
  if (!boot) return;
  const { results } = await db.prepare("SELECT * FROM tova_arriving WHERE boot IS NOT NULL AND boot IS NOT ?").bind(boot).all();
  const stores = new Map();
  for (const row of results) {
    const key = row.queue + "\n" + row.dlq;
    if (!stores.has(key)) stores.set(key, { store: { source: row.queue, dlq: row.dlq }, messages: [] });
    stores.get(key).messages.push({ id: row.id, body: __tova_decodeBody(row.body, row.content_type), attempts: row.attempts });
  }
  for (const { store, messages } of stores.values()) {
    await __tova_storeDeadLetters(db, store, messages, Math.max(...messages.map((m) => m.attempts || 0)) || null);
  }
}

// Keyset paging on (last_seen, id), newest first; the cursor is opaque to callers. Arriving entries
// (given up on, not yet stored by their DLQ's consumer) are listed with the stored ones.
const __tova_STORED = `
  SELECT d.id, d.queue, d.dlq, d.body, d.content_type, d.attempts, d.first_seen, d.last_seen, d.error, d.replays,
         c.until AS claim_until, c.sent_at AS claim_sent_at, c.boot AS claim_boot, 0 AS arriving
  FROM tova_dead_letters d LEFT JOIN tova_claims c ON c.id = d.id`;
const __tova_LISTED = `
  SELECT d.id, d.queue, d.dlq, d.body, d.content_type, d.attempts, d.first_seen, d.last_seen, d.error, d.replays,
         c.until AS claim_until, c.sent_at AS claim_sent_at, c.boot AS claim_boot, 0 AS arriving
  FROM tova_dead_letters d LEFT JOIN tova_claims c ON c.id = d.id
  UNION ALL
  SELECT a.id, a.queue, a.dlq, a.body, a.content_type, a.attempts, a.first_seen, a.last_seen, a.error, 0,
         NULL, NULL, NULL, 1
  FROM tova_arriving a WHERE a.id NOT IN (SELECT id FROM tova_dead_letters)`;

async function __tova_listDeadLetters(db, { queues = null, limit = 50, cursor = null, boot = null, arriving = false } = {}) {
  await __tova_opsDb(db);
  await __tova_recoverArriving(db, boot);
  const listed = arriving ? __tova_LISTED : __tova_STORED;
  const where = [];
  const args = [];
  if (queues) {
    where.push(`d.queue IN (${queues.map(() => "?").join(", ") || "NULL"})`);
    args.push(...queues);
  }
  const total = (await db.prepare(`SELECT COUNT(*) AS n FROM (${listed}) d ${where.length ? "WHERE " + where.join(" AND ") : ""}`)
    .bind(...args).first()).n;
  if (cursor) {
    const [lastSeen, id] = __tova_decodeCursor(cursor);
    where.push("(d.last_seen < ? OR (d.last_seen = ? AND d.id < ?))");
    args.push(lastSeen, lastSeen, id);
  }
  const { results } = await db.prepare(
    `SELECT * FROM (${listed}) d
     ${where.length ? "WHERE " + where.join(" AND ") : ""}
     ORDER BY d.last_seen DESC, d.id DESC LIMIT ?`,
  ).bind(...args, limit + 1).all();
  const page = results.slice(0, limit);
  const last = page[page.length - 1];
  return {
    messages: page.map((row) => __tova_deadLetterRow(row, boot)),
    next_cursor: results.length > limit ? btoa(JSON.stringify([last.last_seen, last.id])) : null,
    total,
  };
}

function __tova_decodeCursor(cursor) {
  try {
    const value = JSON.parse(atob(cursor));
    if (Array.isArray(value) && value.length === 2) return value;
  } catch {}
  throw new __tova_BadRequest("cursor is not one this worker gave out");
}

async function __tova_getDeadLetter(db, id, boot = null) {
  await __tova_opsDb(db);
  await __tova_recoverArriving(db, boot);
  const row = await db.prepare(`SELECT * FROM (${__tova_LISTED}) d WHERE d.id = ?`).bind(id).first();
  return row ? __tova_deadLetterRow(row, boot) : null;
}

// What a replay may take: no live claim, and not in flight on this runtime (a sent entry of an
// earlier local boot was lost with that runtime's memory, so it is eligible again).
const __tova_ELIGIBLE = `(c.id IS NULL OR (c.sent_at IS NULL AND c.until < ?) OR (c.sent_at IS NOT NULL AND ? IS NOT NULL AND c.boot IS NOT ?))`;

// Raw rows (body still encoded) for replay: by ids, or all of the given source queues that died
// before `before` (one pass never picks up what died again during it), oldest first so a replay
// preserves the order messages died in. `max` bounds what one request holds in memory.
async function __tova_selectDeadLetters(db, { ids = null, queues = [], max = null, before = null, boot = null, now = Date.now(), any = false }) {
  await __tova_opsDb(db);
  await __tova_recoverArriving(db, boot);
  const limit = max === null ? "" : `LIMIT ${Math.max(0, Math.floor(Number(max)))}`;
  const eligible = [now, boot, boot];
  if (ids) {
    const rows = [];
    for (const id of ids) {
      const row = await db.prepare(
        `SELECT d.* FROM tova_dead_letters d LEFT JOIN tova_claims c ON c.id = d.id
         WHERE d.id = ? AND (? OR ${__tova_ELIGIBLE})`,
      ).bind(String(id), any ? 1 : 0, ...eligible).first();
      if (row && queues.includes(row.queue)) rows.push(row);
    }
    return max === null ? rows : rows.slice(0, max);
  }
  if (queues.length === 0) return [];
  const { results } = await db.prepare(
    `SELECT d.* FROM tova_dead_letters d LEFT JOIN tova_claims c ON c.id = d.id
     WHERE d.queue IN (${queues.map(() => "?").join(", ")}) AND d.last_seen <= ? AND ${__tova_ELIGIBLE}
     ORDER BY d.first_seen ASC, d.id ASC ${limit}`,
  ).bind(...queues, before ?? now, ...eligible).all();
  return results;
}

// Dead letters a replay could still take (eligible, died before `before` when given).
async function __tova_countDeadLetters(db, queues, { before = null, boot = null, now = Date.now() } = {}) {
  await __tova_opsDb(db);
  await __tova_recoverArriving(db, boot);
  if (queues.length === 0) return 0;
  const row = await db.prepare(
    `SELECT COUNT(*) AS n FROM tova_dead_letters d LEFT JOIN tova_claims c ON c.id = d.id
     WHERE d.queue IN (${queues.map(() => "?").join(", ")}) AND d.last_seen <= ? AND ${__tova_ELIGIBLE}`,
  ).bind(...queues, before ?? now, now, boot, boot).first();
  return row.n;
}

// Take the entry for one replay, in one statement: only if it still exists and nobody else holds it.
async function __tova_claim(db, id, owner, { boot = null, now = Date.now() } = {}) {
  const result = await db.prepare(
    `INSERT INTO tova_claims (id, owner, until) SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM tova_dead_letters WHERE id = ?1)
     ON CONFLICT(id) DO UPDATE SET owner = ?2, until = ?3, sent_at = NULL, boot = NULL, fingerprint = NULL
     WHERE (tova_claims.sent_at IS NULL AND tova_claims.until < ?4)
        OR (tova_claims.sent_at IS NOT NULL AND ?5 IS NOT NULL AND tova_claims.boot IS NOT ?5)`,
  ).bind(id, owner, now + __tova_CLAIM_MS, now, boot).run();
  return Boolean(result.meta && result.meta.changes === 1);
}

async function __tova_release(db, id, owner) {
  await db.prepare("DELETE FROM tova_claims WHERE id = ? AND owner = ?").bind(id, owner).run();
}

// Statements that retire the in-flight entries of a body (consumed, or dead again as `exceptId`).
function __tova_settleSent(db, fingerprint, exceptId = null) {
  return [
    db.prepare(
      `DELETE FROM tova_dead_letters WHERE id IS NOT ?2 AND id IN
         (SELECT id FROM tova_claims WHERE fingerprint = ?1 AND sent_at IS NOT NULL)`,
    ).bind(fingerprint, exceptId),
    db.prepare("DELETE FROM tova_claims WHERE fingerprint = ? AND sent_at IS NOT NULL AND id IS NOT ?").bind(fingerprint, exceptId),
  ];
}

// Local runtime, after its consumer acked these bodies: their in-flight entries are done.
async function __tova_confirmConsumed(db, fingerprints) {
  if (!fingerprints.length) return;
  await __tova_opsDb(db);
  await db.batch(fingerprints.flatMap((fingerprint) => __tova_settleSent(db, fingerprint)));
}

async function __tova_inFlightCount(db, boot) {
  await __tova_opsDb(db);
  const row = await db.prepare("SELECT COUNT(*) AS n FROM tova_claims WHERE sent_at IS NOT NULL AND boot = ?").bind(boot).first();
  return row.n;
}

async function __tova_deleteAllDeadLetters(db, queues) {
  await __tova_opsDb(db);
  if (queues.length === 0) return 0;
  const marks = queues.map(() => "?").join(", ");
  const [, result] = await db.batch([
    db.prepare(`DELETE FROM tova_claims WHERE id IN (SELECT id FROM tova_dead_letters WHERE queue IN (${marks}))`).bind(...queues),
    db.prepare(`DELETE FROM tova_dead_letters WHERE queue IN (${marks})`).bind(...queues),
  ]);
  return result.meta ? result.meta.changes : 0;
}

async function __tova_deleteDeadLetter(db, id) {
  const [result] = await db.batch([
    db.prepare("DELETE FROM tova_dead_letters WHERE id = ?").bind(id),
    db.prepare("DELETE FROM tova_claims WHERE id = ?").bind(id),
  ]);
  return result.meta ? result.meta.changes : 0;
}

// After a successful send: the entry leaves the store, and its lineage is kept so that, should the
// body die again, the new dead letter shows `replays` and the first death's `first_seen`.
//
// A durable queue (Cloudflare) has the message once send() returns, so the entry goes at once. With
// `boot` (the local runtime, queues in memory) it stays, marked sent, until the message is consumed
// or dies again (__tova_settleSent), or the runtime restarts and it becomes replayable again.
async function __tova_retireReplayed(db, row, { owner = null, boot = null, now = Date.now() } = {}) {
  const fingerprint = await __tova_fingerprint(row.queue, row.body);
  const statements = [
    db.prepare("DELETE FROM tova_replays WHERE replayed_at < ?").bind(now - __tova_REPLAY_LINEAGE_MS),
    db.prepare(
      `INSERT INTO tova_replays (fingerprint, queue, replays, first_seen, replayed_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT(fingerprint) DO UPDATE SET replays = ?3, first_seen = MIN(first_seen, ?4), replayed_at = ?5`,
    ).bind(fingerprint, row.queue, (row.replays || 0) + 1, row.first_seen, now),
  ];
  if (boot) {
    statements.push(db.prepare("UPDATE tova_claims SET sent_at = ?, boot = ?, fingerprint = ? WHERE id = ? AND owner IS ?")
      .bind(now, boot, fingerprint, row.id, owner));
  } else {
    statements.push(db.prepare("DELETE FROM tova_dead_letters WHERE id = ?").bind(row.id));
    statements.push(db.prepare("DELETE FROM tova_claims WHERE id = ?").bind(row.id));
  }
  await db.batch(statements);
}

// -- cron runs ------------------------------------------------------------------------------------

async function __tova_recordCronRun(db, run) {
  await __tova_opsDb(db);
  await db.batch([
    db.prepare(
      "INSERT INTO tova_cron_runs (id, name, trigger, started_at, duration_ms, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ).bind(run.id, run.name, run.trigger, run.started_at, run.duration_ms, run.ok ? 1 : 0, run.error),
    db.prepare(
      `DELETE FROM tova_cron_runs WHERE name = ?1 AND id NOT IN
         (SELECT id FROM tova_cron_runs WHERE name = ?1 ORDER BY started_at DESC LIMIT ${__tova_CRON_RUNS_KEPT})`,
    ).bind(run.name),
  ]);
}

async function __tova_recentCronRuns(db, name, limit = 20) {
  await __tova_opsDb(db);
  const { results } = await db.prepare(
    "SELECT * FROM tova_cron_runs WHERE name = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
  ).bind(name, limit).all();
  return results.map((row) => ({ ...row, ok: row.ok === 1, error: row.error ?? null }));
}
