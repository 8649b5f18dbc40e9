// The runner's control endpoint: what only the runner can do: fire the real scheduled event, read each
// isolate's heap, put a message on a local queue (local queues live inside workerd, out of reach
// otherwise), and the workerd process's resident memory for the console's runtime figure.

import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { timingSafeEqual } from "node:crypto";

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

export function workerdPid() {
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

export function startControlServer(mf, manifest, sessions, collector, token, runtimePid) {
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
      // A collection pass now, instead of at the next tick; says what happened to each isolate.
      if (request.method === "POST" && url.pathname === "/collect") {
        return reply(200, { isolates: await collector.sweep() });
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
