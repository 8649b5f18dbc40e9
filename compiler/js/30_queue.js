// Queue consumers: the wrapper around the user's `consume` handler (retry instead of failing silently,
// remember why each message failed, count outcomes), the generated consumer of each dead-letter queue
// (keeps every dead message in the ops store), and queue metrics read through the producer bindings.

const __tova_DEFAULT_MAX_RETRIES = 3; // Cloudflare's default when a consumer sets none

// The handler sees messages that behave like the platform's, but whose ack()/retry() we can observe:
// an explicit decision by the user wins over the wrapper's default. `retry({ reason })` (tova's, taken
// off before the platform sees the options) keeps why a caught failure was retried, for the dead-letter
// table; the platform's own options (`delaySeconds`) pass through.
function __tova_retryOptions(options) {
  if (!options || typeof options !== "object") return [undefined, null];
  const { reason, ...platform } = options;
  const why = reason === undefined || reason === null ? null : reason instanceof Error ? __tova_errorMessage(reason) : String(reason);
  return [Object.keys(platform).length ? platform : undefined, why];
}

function __tova_observedMessage(msg, decisions, reasons) {
  return {
    id: msg.id,
    timestamp: msg.timestamp,
    body: msg.body,
    attempts: msg.attempts,
    ack() {
      decisions.set(msg.id, "ack");
      msg.ack();
    },
    retry(options) {
      const [platform, why] = __tova_retryOptions(options);
      decisions.set(msg.id, "retry");
      if (why) reasons.set(msg.id, why);
      msg.retry(platform);
    },
  };
}

function __tova_observedBatch(batch, messages, decisions, reasons) {
  return {
    queue: batch.queue,
    messages,
    ackAll() {
      for (const msg of batch.messages) decisions.set(msg.id, "ack");
      batch.ackAll();
    },
    retryAll(options) {
      const [platform, why] = __tova_retryOptions(options);
      for (const msg of batch.messages) {
        decisions.set(msg.id, "retry");
        if (why) reasons.set(msg.id, why);
      }
      batch.retryAll(platform);
    },
  };
}

async function __tova_runConsumer(consumer, batch, env, ops) {
  // Replays in flight on the local runtime are confirmed by body: fingerprints taken before the
  // handler runs keep the moment between its last effect and the confirmation as short as it can be.
  const replays = consumer.dlq && env.TOVA_LOCAL_BOOT && env[ops.d1]
    ? await __tova_replayFingerprints(env[ops.d1], consumer, batch, env.TOVA_LOCAL_BOOT).catch(() => null)
    : null;
  const decisions = new Map();
  const reasons = new Map();
  const messages = batch.messages.map((msg) => __tova_observedMessage(msg, decisions, reasons));
  let failure = null;
  try {
    await consumer.handler(messages, __tova_observedBatch(batch, messages, decisions, reasons));
  } catch (err) {
    failure = err;
  }

  const maxRetries = consumer.maxRetries ?? __tova_DEFAULT_MAX_RETRIES;
  const errorText = failure === null
    ? "retried by the consumer without a reason (retry({ reason: err.message }) keeps why)"
    : __tova_errorMessage(failure);
  const whyOf = (msg) => reasons.get(msg.id) || errorText;
  const failing = [];
  const remembered = []; // failure records the DLQ consumer will read
  const forgotten = []; // ids whose failure records nobody will read any more
  const delta = { acked: 0, retried: 0, dead_lettered: 0, dropped: 0 };
  for (const msg of batch.messages) {
    const decision = decisions.get(msg.id) || (failure === null ? "ack" : "retry");
    if (decision === "ack") {
      delta.acked++;
      if (msg.attempts > 1) forgotten.push(msg.id);
      continue;
    }
    if (!decisions.has(msg.id)) msg.retry();
    failing.push(msg);
    if (msg.attempts <= maxRetries) delta.retried++;
    else if (consumer.dlq) delta.dead_lettered++;
    else delta.dropped++;
    // Without a DLQ nothing reads the record of a message given up on; the counter keeps the error.
    if (msg.attempts <= maxRetries || consumer.dlq) {
      remembered.push({ msg, attempts: msg.attempts, error: whyOf(msg), dlq: msg.attempts > maxRetries ? consumer.dlq : null });
    }
    else forgotten.push(msg.id);
  }

  if (failure !== null && failing.length) {
    const last = Math.max(...failing.map((msg) => msg.attempts || 1));
    const fate = last <= maxRetries ? "will retry" : consumer.dlq ? `moving to ${consumer.dlq}` : "giving up (no dead-letter queue)";
    console.error(`queue ${consumer.queue}: consumer failed on ${failing.length} message(s), attempt ${last} of ${maxRetries + 1}, ${fate}: ${errorText}`);
  }

  // Bookkeeping must never turn a handled batch into a failed one: the messages' fate is decided above.
  const db = env[ops.d1];
  if (!db) return;
  try {
    if (replays) await __tova_confirmReplays(db, batch, replays, decisions, failure, env.TOVA_LOCAL_BOOT);
  } catch (err) {
    console.error(`tova ops store: could not confirm replayed messages of ${consumer.queue}: ${__tova_errorMessage(err)}`);
  }
  try {
    for (const entry of remembered) {
      entry.id = entry.msg.id;
      const encoded = __tova_encodeBody(entry.msg.body);
      entry.fingerprint = await __tova_fingerprint(consumer.queue, encoded.text);
      if (entry.dlq) Object.assign(entry, { body: encoded.text, contentType: encoded.contentType });
    }
    await __tova_recordBatchOutcome(db, consumer.queue, {
      failed: remembered, recovered: forgotten, delta, boot: env.TOVA_LOCAL_BOOT || null, lastError: failing.length ? whyOf(failing[failing.length - 1]) : null,
    });
  } catch (err) {
    console.error(`tova ops store: could not record the outcome of a ${consumer.queue} batch: ${__tova_errorMessage(err)}`);
  }
}

// Replayed dead letters sent by this runtime and not yet consumed, per ops database: known after one
// count per isolate, so a consumer with nothing in flight costs no query per batch.
const __tova_inFlight = new WeakMap();

// Local runtime only: message id -> body fingerprint, when some replay is in flight (else null).
async function __tova_replayFingerprints(db, consumer, batch, boot) {
  if (!__tova_inFlight.has(db)) __tova_inFlight.set(db, await __tova_inFlightCount(db, boot));
  if (!__tova_inFlight.get(db)) return null;
  const fingerprints = new Map();
  for (const msg of batch.messages) fingerprints.set(msg.id, await __tova_fingerprint(consumer.queue, __tova_encodeBody(msg.body).text));
  return fingerprints;
}

// An acked message whose body matches an in-flight replay completes it.
async function __tova_confirmReplays(db, batch, fingerprints, decisions, failure, boot) {
  const acked = batch.messages.filter((msg) => (decisions.get(msg.id) || (failure === null ? "ack" : "retry")) === "ack");
  if (!acked.length) return;
  await __tova_confirmConsumed(db, acked.map((msg) => fingerprints.get(msg.id)));
  __tova_inFlight.set(db, await __tova_inFlightCount(db, boot));
}

// The generated consumer of a DLQ. Throwing here lets the platform redeliver the DLQ batch, so a
// store that is briefly unavailable loses nothing.
async function __tova_runDeadLetterStore(store, batch, env, spec) {
  const source = (spec.consumers || []).find((consumer) => consumer.queue === store.source);
  const fallbackAttempts = source ? (source.maxRetries ?? __tova_DEFAULT_MAX_RETRIES) + 1 : null;
  await __tova_storeDeadLetters(env[spec.ops.d1], store, batch.messages, fallbackAttempts);
  console.log(`queue ${store.dlq}: stored ${batch.messages.length} dead letter(s) from ${store.source}`);
}

async function __tova_queueMetrics(spec, env) {
  const queues = [];
  for (const { name, binding } of spec.queues || []) {
    const entry = { queue: name, binding, backlog_count: null, backlog_bytes: null, oldest_message_timestamp: null };
    const producer = env[binding];
    try {
      if (!producer) throw new Error(`binding ${binding} is not configured`);
      if (typeof producer.metrics !== "function") throw new Error("this runtime's queue binding has no metrics()");
      const metrics = await producer.metrics();
      entry.backlog_count = metrics.backlogCount ?? null;
      entry.backlog_bytes = metrics.backlogBytes ?? null;
      const oldest = metrics.oldestMessageTimestamp;
      // An empty queue reports 0 (locally) or nothing: both mean "no oldest message".
      entry.oldest_message_timestamp = oldest ? (oldest instanceof Date ? oldest.getTime() : Number(oldest)) : null;
    } catch (err) {
      entry.error = __tova_errorMessage(err);
    }
    queues.push(entry);
  }
  return queues;
}
