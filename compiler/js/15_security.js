// The program's `security { }` block, enforced: HS256 bearer tokens, roles, protected path patterns,
// sensitive fields stripped from handler results, and the CSP/HSTS headers. `spec.security` is the data
// compiler/resolve/security.py produced. Every check fails closed: no token, a bad signature, an
// unknown algorithm or an expired token is no user.

function __tova_base64url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const __tova_jwtKeys = new Map(); // secret -> CryptoKey, imported once per isolate

async function __tova_jwtKey(secret) {
  let key = __tova_jwtKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    __tova_jwtKeys.set(secret, key);
  }
  return key;
}

// -> the token's payload, or null for anything that is not a valid, current HS256 token
async function __tova_verifyJwt(token, secret) {
  const parts = token.split(".");
  if (parts.length !== 3 || !secret) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(__tova_base64url(parts[0])));
    if (header.alg !== "HS256") return null;
    const key = await __tova_jwtKey(secret);
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    if (!(await crypto.subtle.verify("HMAC", key, __tova_base64url(parts[2]), signed))) return null;
    const payload = JSON.parse(new TextDecoder().decode(__tova_base64url(parts[1])));
    if (payload === null || typeof payload !== "object") return null;
    const now = Date.now() / 1000;
    if (typeof payload.exp === "number" && payload.exp <= now) return null;
    if (typeof payload.nbf === "number" && payload.nbf > now) return null;
    return payload;
  } catch {
    return null;
  }
}

async function __tova_currentUser(security, request, env) {
  if (!security.auth) return null;
  const header = request.headers.get("Authorization") || "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return null;
  return __tova_verifyJwt(match[1], env[security.auth.secret]);
}

function __tova_userRoles(user) {
  if (!user) return [];
  const roles = Array.isArray(user.roles) ? user.roles : user.role !== undefined ? [user.role] : [];
  return roles.filter((role) => typeof role === "string").map((role) => role.toLowerCase());
}

function __tova_hasRole(user, role) {
  return __tova_userRoles(user).includes(role.toLowerCase());
}

// -> a 401/403 Response when a protect rule matching the path is not met, else null
function __tova_guard(security, pathname, user) {
  for (const rule of security.protect) {
    if (!new RegExp(rule.regex).test(pathname)) continue;
    if (!user) {
      return __tova_json({ error: "Authentication required" }, 401, { "WWW-Authenticate": 'Bearer realm="api"' });
    }
    if (rule.role && !__tova_hasRole(user, rule.role)) return __tova_json({ error: "Insufficient permissions" }, 403);
  }
  return null;
}

// Values built by a sensitive type's constructor carry its name (not enumerable, so not in JSON)
function __tova_typed(value, type) {
  Object.defineProperty(value, "__tova_type", { value: type, enumerable: false });
  return value;
}

function __tova_isSelf(user, value) {
  const id = user && (user.id ?? user.sub);
  if (id === undefined || id === null) return false;
  const owner = value.user_id ?? value.userId ?? value.owner_id ?? value.id;
  return owner !== undefined && String(owner) === String(id);
}

function __tova_sanitize(security, value, user, depth = 0) {
  if (value === null || typeof value !== "object" || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => __tova_sanitize(security, item, user, depth + 1));
  if (value instanceof Response || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  const rules = security.sensitive[value.__tova_type] || {};
  const out = {};
  for (const [key, field] of Object.entries(value)) {
    const rule = rules[key];
    if (rule) {
      if (rule.never) continue;
      const allowed = rule.roles.some((role) => __tova_hasRole(user, role)) || (rule.self && __tova_isSelf(user, value));
      if (!allowed) continue;
    }
    out[key] = __tova_sanitize(security, field, user, depth + 1);
  }
  return out;
}
