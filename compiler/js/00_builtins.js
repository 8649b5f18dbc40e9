// Tova's language builtins (print, int, str, len, range ...), inlined at the top of every worker.
// Plain top-level functions prefixed __tova_, per docs/contracts.md §2.

function __tova_print(...values) {
  console.log(...values.map((v) => (typeof v === "string" ? v : __tova_str(v))));
}

function __tova_str(value) {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

// int("42") is 42, int(3.9) is 3, int("x") is null: a failed conversion is nil, never NaN
function __tova_int(value) {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const text = value.trim();
    if (!/^[+-]?\d+(\.\d*)?$/.test(text)) return null;
    return Math.trunc(Number(text));
  }
  return null;
}

function __tova_float(value) {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const text = value.trim();
    if (text === "") return null;
    const number = Number(text);
    return Number.isNaN(number) ? null : number;
  }
  return null;
}

function __tova_len(value) {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.length ?? value.byteLength;
  if (typeof value === "object") return Object.keys(value).length;
  return 0;
}

// range(n), range(start, end), range(start, end, step): end is exclusive, like Python
function __tova_range(start, end, step = 1) {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new RangeError("range() step must not be zero");
  const out = [];
  if (step > 0) for (let i = start; i < end; i += step) out.push(i);
  else for (let i = start; i > end; i += step) out.push(i);
  return out;
}

function __tova_type_of(value) {
  if (value === null || value === undefined) return "Nil";
  if (Array.isArray(value)) return "List";
  if (typeof value === "string") return "String";
  if (typeof value === "number") return Number.isInteger(value) ? "Int" : "Float";
  if (typeof value === "boolean") return "Bool";
  if (typeof value === "function") return "Function";
  return "Object";
}

// `for i, x in xs`: index and item for lists, key and value for objects and maps
function __tova_enumerate(value) {
  if (Array.isArray(value) || typeof value === "string") return Array.from(value).entries();
  if (value instanceof Map) return value.entries();
  if (value === null || value === undefined) return [];
  return Object.entries(value);
}

function __tova_keys(value) {
  return value instanceof Map ? [...value.keys()] : Object.keys(value ?? {});
}

function __tova_values(value) {
  return value instanceof Map ? [...value.values()] : Object.values(value ?? {});
}

function __tova_entries(value) {
  return value instanceof Map ? [...value.entries()] : Object.entries(value ?? {});
}

function __tova_map(items, fn) {
  return Array.from(items, (item, index) => fn(item, index));
}

function __tova_filter(items, fn) {
  return Array.from(items).filter((item, index) => fn(item, index));
}

function __tova_reduce(items, fn, initial) {
  return arguments.length > 2 ? Array.from(items).reduce(fn, initial) : Array.from(items).reduce(fn);
}

function __tova_sum(items) {
  let total = 0;
  for (const item of items) total += item;
  return total;
}

function __tova_min(...values) {
  const items = values.length === 1 && typeof values[0] === "object" ? Array.from(values[0]) : values;
  return items.length ? Math.min(...items) : null;
}

function __tova_max(...values) {
  const items = values.length === 1 && typeof values[0] === "object" ? Array.from(values[0]) : values;
  return items.length ? Math.max(...items) : null;
}

function __tova_abs(value) {
  return Math.abs(value);
}

function __tova_round(value, digits = 0) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function __tova_floor(value) {
  return Math.floor(value);
}

function __tova_ceil(value) {
  return Math.ceil(value);
}

function __tova_join(items, separator = "") {
  return Array.from(items, (item) => (typeof item === "string" ? item : __tova_str(item))).join(separator);
}

function __tova_split(text, separator) {
  return String(text).split(separator);
}

function __tova_upper(text) {
  return String(text).toUpperCase();
}

function __tova_lower(text) {
  return String(text).toLowerCase();
}

function __tova_trim(text) {
  return String(text).trim();
}

function __tova_contains(container, item) {
  if (container === null || container === undefined) return false;
  if (typeof container === "string" || Array.isArray(container)) return container.includes(item);
  if (container instanceof Map || container instanceof Set) return container.has(item);
  return Object.prototype.hasOwnProperty.call(container, item);
}

function __tova_sorted(items, key) {
  const copy = Array.from(items);
  const keyed = key ? (x) => key(x) : (x) => x;
  return copy.sort((a, b) => {
    const ka = keyed(a);
    const kb = keyed(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function __tova_reversed(items) {
  return Array.from(items).reverse();
}

function __tova_sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
