// HTTP plumbing shared by the user's routes and the ops surface: JSON responses, turning a handler's
// value into a Response, path patterns with :param and *rest, and CORS.
// Plain script: concatenated into every generated worker, so every top-level name starts with __tova_.

function __tova_json(value, status = 200, headers = {}) {
  return new Response(JSON.stringify(value === undefined ? null : value), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

// Tova handlers return plain values; the edge contract is that anything but a Response becomes JSON.
function __tova_toResponse(value, status = 200) {
  if (value instanceof Response) return value;
  return __tova_json(value === undefined ? null : value, status);
}

function __tova_errorMessage(err) {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

// "/images/*path" -> { regex, names }. A :param matches one non-empty segment; *rest matches the
// remainder (may contain slashes, may be empty). Literal parts are matched exactly.
function __tova_compilePath(path) {
  const names = [];
  let source = "";
  for (const segment of path.split("/").slice(1)) {
    if (segment.startsWith("*")) {
      names.push(segment.slice(1) || "rest");
      source += "(?:/(.*))?";
      break;
    }
    if (segment.startsWith(":")) {
      names.push(segment.slice(1));
      source += "/([^/]+)";
    } else {
      source += "/" + segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  if (source === "") source = "/";
  // A trailing slash is forgiven: "/api/stats/" reaches "/api/stats".
  return { regex: new RegExp("^" + source + "/?$"), names };
}

function __tova_compileRoutes(routes) {
  return (routes || []).map((route) => ({ ...route, method: route.method.toUpperCase(), ...__tova_compilePath(route.path) }));
}

function __tova_decodeSegment(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function __tova_matchPath(compiled, pathname) {
  const found = compiled.regex.exec(pathname);
  if (!found) return null;
  const params = {};
  compiled.names.forEach((name, i) => {
    params[name] = found[i + 1] === undefined ? "" : __tova_decodeSegment(found[i + 1]);
  });
  return params;
}

// -> {route, params} | {allowed: [methods]} when the path exists under other methods | null
function __tova_findRoute(compiledRoutes, method, pathname) {
  const wanted = method === "HEAD" ? "GET" : method;
  const allowed = [];
  for (const route of compiledRoutes) {
    const params = __tova_matchPath(route, pathname);
    if (params === null) continue;
    if (route.method === wanted || route.method === "ANY") return { route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : null;
}

// The origin to echo back, or null when the request's origin is not allowed.
function __tova_corsOrigin(cors, request) {
  const origin = request.headers.get("Origin");
  const origins = cors.origins || ["*"];
  if (origins.includes("*")) return cors.credentials && origin ? origin : "*";
  return origin && origins.includes(origin) ? origin : null;
}

function __tova_corsHeaders(cors, request) {
  const origin = __tova_corsOrigin(cors, request);
  if (origin === null) return {};
  const headers = { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
  if (cors.credentials) headers["Access-Control-Allow-Credentials"] = "true";
  return headers;
}

function __tova_isPreflight(request) {
  return request.method === "OPTIONS" && request.headers.has("Access-Control-Request-Method");
}

function __tova_preflight(cors, request) {
  const headers = __tova_corsHeaders(cors, request);
  if (headers["Access-Control-Allow-Origin"]) {
    headers["Access-Control-Allow-Methods"] = (cors.methods || ["GET", "POST", "PUT", "PATCH", "DELETE"]).join(", ");
    const allowHeaders = cors.headers && cors.headers.length
      ? cors.headers.join(", ")
      : request.headers.get("Access-Control-Request-Headers");
    if (allowHeaders) headers["Access-Control-Allow-Headers"] = allowHeaders;
    headers["Access-Control-Max-Age"] = String(cors.max_age ?? 86400);
  }
  return new Response(null, { status: 204, headers });
}

// Responses from fetch() have immutable headers, so CORS headers go onto a copy.
function __tova_withHeaders(response, headers) {
  const names = Object.keys(headers);
  if (names.length === 0) return response;
  const copy = new Response(response.body, response);
  for (const name of names) copy.headers.set(name, headers[name]);
  return copy;
}

// Thrown for a malformed admin request; becomes a 400 with its message.
const __tova_BadRequest = class extends Error {};

// A request body that is not the JSON the handler asked for (`await req.json()`): the client's
// mistake, answered 400 instead of the 500 of a server fault. Still a SyntaxError for user code.
const __tova_BadBody = class extends SyntaxError {};

function __tova_guardBody(request) {
  const read = request.json;
  if (typeof read !== "function") return request;
  try {
    Object.defineProperty(request, "json", {
      configurable: true,
      value: async function json() {
        try {
          return await read.call(request);
        } catch (err) {
          if (err instanceof SyntaxError) throw new __tova_BadBody(`the request body is not valid JSON: ${err.message}`);
          throw err;
        }
      },
    });
  } catch {
    // a runtime whose Request does not take own properties: its errors stay 500s
  }
  return request;
}

// Failures that are the request's fault, whatever the handler did with them: 400 and 413.
function __tova_clientFault(err) {
  if (err instanceof __tova_BadBody) return __tova_json({ error: err.message }, 400);
  const text = __tova_errorMessage(err);
  if (/SQLITE_TOOBIG|string or blob too big/i.test(text)) {
    return __tova_json({ error: "the request is too large to store" }, 413);
  }
  return null;
}
