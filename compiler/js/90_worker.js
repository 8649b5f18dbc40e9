// __tova_createWorker(spec) -> the module's default export {fetch, scheduled, queue} (contracts.md §2).
// Order of a request: admin routes, health, CORS preflight, the security block's checks, then user
// middleware around the router.

const __tova_DEFAULT_OPS = { prefix: "/__tova", d1: "TOVA_OPS", tokenSecret: "TOVA_ADMIN_TOKEN" };

function __tova_createWorker(spec) {
  spec = { ...spec, ops: { ...__tova_DEFAULT_OPS, ...(spec.ops || {}) } };
  const routes = __tova_compileRoutes(spec.routes);
  const middleware = spec.middleware || [];
  const healthPath = (spec.health && spec.health.path) || "/healthz";
  const bind = spec.bind || (() => {});

  const security = spec.security || null;
  const sanitizing = security !== null && Object.keys(security.sensitive).length > 0;
  const users = new WeakMap(); // request -> the authenticated user, for sanitizing its answer

  async function route(request) {
    const url = new URL(request.url);
    const found = __tova_findRoute(routes, request.method, url.pathname);
    if (found === null) return __tova_json({ error: "not found" }, 404);
    if (found.allowed) return __tova_json({ error: "method not allowed" }, 405, { Allow: found.allowed.join(", ") });
    const value = await found.route.handler(request, found.params);
    // a request a middleware replaced has no user on record: sensitive fields are then stripped
    return __tova_toResponse(sanitizing ? __tova_sanitize(security, value, users.get(request) || null) : value);
  }

  // next(req) runs the rest of the chain; a middleware's value (a Response or anything JSON-able) is
  // the answer, so one that does not call next() short-circuits the request.
  function chain(index) {
    if (index >= middleware.length) return route;
    return async (request) => __tova_toResponse(await middleware[index](request, chain(index + 1)));
  }
  const handleUser = chain(0);

  async function failed(err, request) {
    const fault = __tova_clientFault(err);
    if (fault) return fault;
    if (spec.onError) {
      try {
        const value = await spec.onError(err, request);
        return value instanceof Response ? value : __tova_json(value, 500);
      } catch (inner) {
        console.error(`on_error itself failed: ${__tova_errorMessage(inner)}`);
      }
    } else {
      console.error(`${request.method} ${new URL(request.url).pathname} failed: ${err && err.stack ? err.stack : __tova_errorMessage(err)}`);
    }
    return __tova_json({ error: "internal error" }, 500);
  }

  async function fetch(request, env, ctx) {
    bind(env);
    const url = new URL(request.url);
    if (url.pathname === spec.ops.prefix || url.pathname.startsWith(spec.ops.prefix + "/")) {
      return __tova_admin(spec, request, env, url, ctx);
    }
    if (url.pathname === healthPath && (request.method === "GET" || request.method === "HEAD")) {
      return __tova_health(spec, env);
    }
    if (spec.cors && __tova_isPreflight(request)) return __tova_preflight(spec.cors, request);
    __tova_guardBody(request);
    let response;
    try {
      response = security ? await guarded(request, env, url) : await handleUser(request);
    } catch (err) {
      response = await failed(err, request);
    }
    const headers = { ...(security ? security.headers : {}), ...(spec.cors ? __tova_corsHeaders(spec.cors, request) : {}) };
    return __tova_withHeaders(response, headers);
  }

  // The security block's checks run after the CORS preflight and before any middleware
  async function guarded(request, env, url) {
    const user = await __tova_currentUser(security, request, env);
    const denied = __tova_guard(security, url.pathname, user);
    if (denied) return denied;
    if (user) users.set(request, user);
    return handleUser(request);
  }

  async function scheduled(controller, env, ctx) {
    bind(env);
    await __tova_runScheduled(spec, controller, env);
  }

  async function queue(batch, env, ctx) {
    bind(env);
    const store = (spec.deadLetterStores || []).find((candidate) => candidate.dlq === batch.queue);
    if (store) return __tova_runDeadLetterStore(store, batch, env, spec);
    const consumer = (spec.consumers || []).find((candidate) => candidate.queue === batch.queue);
    if (consumer) return __tova_runConsumer(consumer, batch, env, spec.ops);
    // Throwing keeps the messages: a misrouted batch is retried rather than silently acked.
    throw new Error(`worker ${spec.worker} has no consumer for queue ${batch.queue}`);
  }

  return { fetch, scheduled, queue };
}
