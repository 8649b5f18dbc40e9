// Tova operators JavaScript lacks or spells differently: `++`, `*` on a string, ranges, `in`, `is`,
// slices. Each refuses operands it has no meaning for, instead of producing "aNaN" or NaN.

function __tova_typeName(value) {
  return __tova_type_of(value);
}

// "a" ++ "b" joins strings (and lists); anything else is a mistake worth a clear error
function __tova_concat(first, ...rest) {
  let out = first;
  for (const next of rest) {
    if (typeof out === "string" && typeof next === "string") out += next;
    else if (Array.isArray(out) && Array.isArray(next)) out = out.concat(next);
    else throw new TypeError(`\`++\` joins two strings or two lists, not ${__tova_typeName(out)} and ${__tova_typeName(next)}`);
  }
  return out;
}

function __tova_repeat(text, times) {
  if (!Number.isInteger(times) || times < 0) throw new RangeError(`a string repeats a whole number of times (0 or more), not ${__tova_str(times)}`);
  return text.repeat(times);
}

// `*`: numbers multiply; "-" * 40 and 40 * "-" repeat the string
function __tova_mul(left, right) {
  if (typeof left === "string" && typeof right === "number") return __tova_repeat(left, right);
  if (typeof left === "number" && typeof right === "string") return __tova_repeat(right, left);
  if (typeof left === "number" && typeof right === "number") return left * right;
  throw new TypeError(`\`*\` multiplies numbers or repeats a string, not ${__tova_typeName(left)} and ${__tova_typeName(right)}`);
}

// 0..5 is [0, 1, 2, 3, 4]; 0..=5 includes 5; a range never counts down (5..0 is empty)
function __tova_span(start, end, inclusive) {
  if (!Number.isInteger(start) || !Number.isInteger(end)) {
    throw new TypeError(`a range goes between whole numbers, not ${__tova_str(start)} and ${__tova_str(end)}`);
  }
  const out = [];
  const last = inclusive ? end : end - 1;
  for (let i = start; i <= last; i++) out.push(i);
  return out;
}

// `x in items`: an element of a list, a substring of a string, a key of an object or map, a member of a set
function __tova_in(item, container) {
  if (typeof container === "string") {
    if (typeof item !== "string") throw new TypeError(`\`in\` a string looks for a string, not ${__tova_typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.includes(item);
  if (container instanceof Map || container instanceof Set) return container.has(item);
  if (container !== null && typeof container === "object") return Object.prototype.hasOwnProperty.call(container, item);
  throw new TypeError(`\`in\` looks inside a list, string, object, map or set, not ${__tova_typeName(container)}`);
}

function __tova_is(value, type) {
  switch (type) {
    case "Nil": return value === null || value === undefined;
    case "String": return typeof value === "string";
    case "Int": return typeof value === "number" && Number.isInteger(value);
    case "Float": return typeof value === "number" && !Number.isInteger(value);
    case "Number": return typeof value === "number";
    case "Bool": return typeof value === "boolean";
    case "List":
    case "Array": return Array.isArray(value);
    case "Function": return typeof value === "function";
    case "Object": return value !== null && typeof value === "object" && !Array.isArray(value);
    default: throw new TypeError(`unknown type ${type}`);
  }
}

// items[start:stop:step] with Python's rules: negatives count from the end, parts may be left out
function __tova_slice(items, start, stop, step) {
  const isString = typeof items === "string";
  if (!isString && !Array.isArray(items)) throw new TypeError(`only a list or a string can be sliced, not ${__tova_typeName(items)}`);
  const whole = isString ? Array.from(items) : items;
  const length = whole.length;
  const by = step === undefined || step === null ? 1 : step;
  if (!Number.isInteger(by) || by === 0) throw new RangeError("a slice step is a whole number other than 0");
  const clamp = (index, low, high) => Math.min(Math.max(index, low), high);
  const bound = (index, fallback, low, high) => {
    if (index === undefined || index === null) return fallback;
    if (!Number.isInteger(index)) throw new TypeError(`slice bounds are whole numbers, not ${__tova_str(index)}`);
    return clamp(index < 0 ? index + length : index, low, high);
  };
  const out = [];
  if (by > 0) {
    const from = bound(start, 0, 0, length);
    const to = bound(stop, length, 0, length);
    for (let i = from; i < to; i += by) out.push(whole[i]);
  } else {
    const from = bound(start, length - 1, -1, length - 1);
    const to = bound(stop, -1, -1, length - 1);
    for (let i = from; i > to; i += by) out.push(whole[i]);
  }
  return isString ? out.join("") : out;
}
