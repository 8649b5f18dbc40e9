// Tova's standard functions beyond the basics of 00_builtins.js, and its string methods: `s.upper()`,
// `s.starts_with("a")` ... are calls of __tova_method, because JavaScript strings have no such methods.

function __tova_words_of(text) {
  return String(text)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
}

const __tova_STRING_METHODS = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  contains: (s, part) => s.includes(part),
  starts_with: (s, prefix) => s.startsWith(prefix),
  ends_with: (s, suffix) => s.endsWith(suffix),
  chars: (s) => Array.from(s),
  words: (s) => s.split(/\s+/).filter((word) => word.length > 0),
  lines: (s) => s.split(/\r?\n/),
  capitalize: (s) => (s.length ? s[0].toUpperCase() + s.slice(1) : s),
  title_case: (s) => s.replace(/\b\w/g, (c) => c.toUpperCase()),
  snake_case: (s) => __tova_words_of(s).map((w) => w.toLowerCase()).join("_"),
  kebab_case: (s) => __tova_words_of(s).map((w) => w.toLowerCase()).join("-"),
  camel_case: (s) => __tova_words_of(s).map((w, i) => (i ? w[0].toUpperCase() + w.slice(1).toLowerCase() : w.toLowerCase())).join(""),
  trim_start: (s) => s.trimStart(),
  trim_end: (s) => s.trimEnd(),
  is_empty: (s) => s.length === 0,
};
__tova_STRING_METHODS.titleCase = __tova_STRING_METHODS.title_case;
__tova_STRING_METHODS.snakeCase = __tova_STRING_METHODS.snake_case;
__tova_STRING_METHODS.camelCase = __tova_STRING_METHODS.camel_case;
__tova_STRING_METHODS.kebabCase = __tova_STRING_METHODS.kebab_case;

// A Tova method on a string; on anything else the value's own method of that name, if it has one
function __tova_method(target, name, ...args) {
  if (typeof target === "string") return __tova_STRING_METHODS[name](target, ...args);
  if (Array.isArray(target) && name === "contains" && typeof target.contains !== "function") return target.includes(args[0]);
  if (target !== null && target !== undefined && typeof target[name] === "function") return target[name](...args);
  throw new TypeError(`${__tova_type_of(target)} has no method ${name}()`);
}

function __tova_find(items, fn) {
  for (const item of items) if (fn(item)) return item;
  return null;
}

function __tova_find_index(items, fn) {
  let index = 0;
  for (const item of items) {
    if (fn(item)) return index;
    index++;
  }
  return null;
}

function __tova_any(items, fn = (x) => x) {
  for (const item of items) if (fn(item)) return true;
  return false;
}

function __tova_all(items, fn = (x) => x) {
  for (const item of items) if (!fn(item)) return false;
  return true;
}

function __tova_first(items) {
  const list = Array.from(items);
  return list.length ? list[0] : null;
}

function __tova_last(items) {
  const list = Array.from(items);
  return list.length ? list[list.length - 1] : null;
}

function __tova_take(items, n) {
  return Array.from(items).slice(0, Math.max(0, n));
}

function __tova_drop(items, n) {
  return Array.from(items).slice(Math.max(0, n));
}

function __tova_unique(items) {
  return [...new Set(items)];
}

function __tova_flatten(items) {
  return Array.from(items).flat();
}

function __tova_flat_map(items, fn) {
  return Array.from(items).flatMap((item) => fn(item));
}

function __tova_count(items, fn) {
  if (fn === undefined) return __tova_len(items);
  let total = 0;
  for (const item of items) if (fn(item)) total++;
  return total;
}

function __tova_zip(...lists) {
  const arrays = lists.map((list) => Array.from(list));
  const length = arrays.length ? Math.min(...arrays.map((a) => a.length)) : 0;
  return Array.from({ length }, (_, i) => arrays.map((a) => a[i]));
}

function __tova_group_by(items, fn) {
  const groups = {};
  for (const item of items) {
    const key = fn(item);
    (groups[key] ??= []).push(item);
  }
  return groups;
}

function __tova_partition(items, fn) {
  const yes = [];
  const no = [];
  for (const item of items) (fn(item) ? yes : no).push(item);
  return [yes, no];
}

function __tova_chunk(items, size) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError("chunk() size is a whole number from 1");
  const list = Array.from(items);
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// replace(s, old, new) replaces every occurrence, as upstream Tova's does
function __tova_replace(text, old, replacement) {
  return String(text).split(old).join(replacement);
}

function __tova_string_fn(name) {
  return (text, ...args) => __tova_STRING_METHODS[name](String(text), ...args);
}
const __tova_starts_with = __tova_string_fn("starts_with");
const __tova_ends_with = __tova_string_fn("ends_with");
const __tova_chars = __tova_string_fn("chars");
const __tova_words = __tova_string_fn("words");
const __tova_lines = __tova_string_fn("lines");
const __tova_capitalize = __tova_string_fn("capitalize");
const __tova_title_case = __tova_string_fn("title_case");
const __tova_snake_case = __tova_string_fn("snake_case");
const __tova_camel_case = __tova_string_fn("camel_case");

function __tova_pad_start(text, width, fill = " ") {
  return String(text).padStart(width, fill);
}

function __tova_pad_end(text, width, fill = " ") {
  return String(text).padEnd(width, fill);
}

function __tova_clamp(value, low, high) {
  return Math.min(Math.max(value, low), high);
}

function __tova_sqrt(value) {
  return Math.sqrt(value);
}

function __tova_pow(base, exponent) {
  return base ** exponent;
}

function __tova_merge(...objects) {
  return Object.assign({}, ...objects);
}
