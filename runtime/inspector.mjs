// The V8 inspector of every isolate in workerd: per worker, its console output attributed to it and its
// heap figure; for every isolate (internal ones too), the periodic full collection that keeps workerd's
// memory flat (see IsolateCollector).
//
// Sessions talk to workerd's own inspector socket, not Miniflare's inspector proxy: the proxy only
// serves the user workers, and the collection has to reach Miniflare's internal isolates as well.

import path from "node:path";
// ws (pinned in package.json) rather than Node's global WebSocket: it takes the Origin header that
// inspectors in devtools mode expect, and connects to ids with ':' in the path as given.
import WebSocket from "ws";
import { emit, runtimeLog } from "./protocol.mjs";

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

// The inspector id workerd gives a user worker's isolate.
export const userIsolate = (worker) => `core:user:${worker}`;

export class InspectorSession {
  // `worker` is the name its console output is attributed to; an internal isolate (quiet) has none
  // and its console output is not ours to show.
  // `onConsole(text, time)`, when given, takes the isolate's console lines instead (a tail worker's).
  constructor(inspectorHost, isolate, worker = null, onConsole = null) {
    this.url = `ws://${inspectorHost}/${isolate}`;
    this.isolate = isolate;
    this.worker = worker ?? isolate;
    this.onConsole = onConsole;
    this.quiet = worker === null && onConsole === null;
    this.nextId = 1;
    this.pending = new Map();
    this.closed = false;
    this.connected = false;
  }

  // workerd may not answer at once on a loaded machine, or close the socket while an isolate starts:
  // ask again, on a new socket if need be, until it answers. Each try waits longer, within the deadline.
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
    if (message.method === "Runtime.executionContextCreated") {
      // Runtime.evaluate needs it: workerd's isolates have no default context to evaluate in.
      this.contextId = message.params.context.id;
    } else if (this.onConsole) {
      if (message.method === "Runtime.consoleAPICalled") {
        this.onConsole(message.params.args.map(renderRemote).join(" "), message.params.timestamp);
      }
    } else if (this.quiet) {
      return;
    } else if (message.method === "Runtime.consoleAPICalled") {
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
        () => runtimeLog("info", `the inspector of ${this.worker} answers now`),
        () => setTimeout(again, 2000).unref(),
      );
    };
    setTimeout(again, 1000).unref();
  }

  // A full V8 collection of this isolate (workerd runs with --expose-gc, see IsolateCollector).
  async collect() {
    const result = await this.call("Runtime.evaluate", { expression: "gc()", contextId: this.contextId }, 5000);
    if (result.exceptionDetails) throw new Error(result.exceptionDetails.exception?.description ?? result.exceptionDetails.text);
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}

// ── the collection workerd never makes on its own ───────────────────────────────────────────────────
//
// Every HTTP request and binding call leaves native memory in the isolates it passes through (the
// worker's, and Miniflare's internal ones serving D1, KV, R2, queues and the cache) that only a major
// V8 collection frees, and workerd does not report that memory to V8, so under a steady trickle of small
// requests (the console's polls) no major collection comes and workerd's RSS grows without bound:
// cloudflare/workerd#6894 and #6824; benchmarks/workerd_rss.py measures it (133 KB per /healthz before).
// Collecting every isolate the inspector lists, every few seconds, keeps it flat. A collection of the
// user workers alone does not help: most of the memory sits in the internal isolates.
export class IsolateCollector {
  // `ours`: the sessions the runner keeps anyway (workers, tail workers), reused for their isolates.
  constructor(inspectorHost, ours) {
    this.host = inspectorHost;
    this.ours = new Map(ours.map((session) => [session.isolate, session]));
    this.internal = new Map();
    this.sweeping = null;
  }

  // One pass over every isolate; the outcome per isolate id ("collected", or why not). Passes never
  // overlap: a caller during one gets that one's outcome.
  sweep() {
    this.sweeping ??= this.#sweep().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  async #sweep() {
    const listed = await fetch(`http://${this.host}/json`, { signal: AbortSignal.timeout(5000) }).then((r) => r.json());
    const outcome = {};
    const live = new Set(listed.map(({ id }) => id));
    // One isolate at a time: the collections share workerd's threads with the requests being served.
    for (const id of live) {
      // workerd's inspector reads '#' as a URL fragment, and serves no other spelling of the id: the
      // custom-fetch isolates (Node-side service bindings, here the tail workers' RUNNER) stay out of reach.
      if (id.includes("#")) {
        outcome[id] = "skipped: workerd's inspector cannot address an id containing '#'";
        continue;
      }
      try {
        await (await this.#sessionFor(id)).collect();
        outcome[id] = "collected";
      } catch (error) {
        outcome[id] = error.message;
      }
    }
    for (const [id, session] of this.internal) {
      if (!live.has(id)) {
        session.close();
        this.internal.delete(id);
      }
    }
    return outcome;
  }

  async #sessionFor(id) {
    const own = this.ours.get(id);
    if (own) {
      if (!own.ready) throw new Error("its inspector does not answer yet");
      return own;
    }
    let session = this.internal.get(id);
    if (!session) {
      session = new InspectorSession(this.host, id);
      this.internal.set(id, session);
    }
    if (!session.connected) await session.connect(Date.now() + 5000);
    return session;
  }

  start(everyMs) {
    const timer = setInterval(() => this.sweep().catch(() => {}), everyMs);
    timer.unref();
    return timer;
  }

  close() {
    for (const session of this.internal.values()) session.close();
  }
}
