"""Names that exist without a declaration: the Workers platform's globals and Tova's builtins."""

PLATFORM_GLOBALS = frozenset(
    """crypto JSON Date Response Request Headers URL URLSearchParams Math Promise console Object Array
    String Number Boolean Symbol BigInt Error TypeError RangeError SyntaxError ReferenceError EvalError
    URIError AggregateError Map Set WeakMap WeakSet WeakRef FinalizationRegistry Reflect Proxy RegExp
    Intl Atomics SharedArrayBuffer ArrayBuffer DataView Uint8Array Uint8ClampedArray Int8Array
    Uint16Array Int16Array Uint32Array Int32Array Float32Array Float64Array BigInt64Array
    BigUint64Array TextEncoder TextDecoder TextEncoderStream TextDecoderStream Blob File FormData
    ReadableStream WritableStream TransformStream CompressionStream DecompressionStream
    AbortController AbortSignal Event EventTarget CustomEvent MessageChannel MessagePort DOMException
    WebSocket WebSocketPair HTMLRewriter fetch caches navigator performance scheduler structuredClone
    queueMicrotask setTimeout clearTimeout setInterval clearInterval atob btoa encodeURIComponent
    decodeURIComponent encodeURI decodeURI parseInt parseFloat isNaN isFinite globalThis Infinity NaN
    undefined reportError CryptoKey SubtleCrypto Iterator""".split()
)

# Tova name -> the runtime function in compiler/js/00_builtins.js
BUILTINS = {
    "print": "__tova_print",
    "int": "__tova_int",
    "to_int": "__tova_int",
    "float": "__tova_float",
    "to_float": "__tova_float",
    "str": "__tova_str",
    "to_string": "__tova_str",
    "len": "__tova_len",
    "range": "__tova_range",
    "type_of": "__tova_type_of",
    "keys": "__tova_keys",
    "values": "__tova_values",
    "entries": "__tova_entries",
    "enumerate": "__tova_enumerate",
    "map": "__tova_map",
    "filter": "__tova_filter",
    "reduce": "__tova_reduce",
    "sum": "__tova_sum",
    "min": "__tova_min",
    "max": "__tova_max",
    "abs": "__tova_abs",
    "round": "__tova_round",
    "floor": "__tova_floor",
    "ceil": "__tova_ceil",
    "join": "__tova_join",
    "split": "__tova_split",
    "upper": "__tova_upper",
    "lower": "__tova_lower",
    "trim": "__tova_trim",
    "contains": "__tova_contains",
    "sorted": "__tova_sorted",
    "reversed": "__tova_reversed",
    "sleep": "__tova_sleep",
    # compiler/js/06_stdlib.js
    **{name: f"__tova_{name}" for name in """find find_index any all first last take drop unique flatten
       flat_map count zip group_by partition chunk replace starts_with ends_with chars words lines
       capitalize title_case snake_case camel_case pad_start pad_end clamp sqrt pow merge""".split()},
    "repeat": "__tova_repeat",
}

# Methods Tova gives strings that JavaScript's lack (or spells otherwise): `s.upper()` compiles to
# __tova_method(s, "upper"), which falls back to the value's own method when it is not a string.
TOVA_METHODS = frozenset(
    """upper lower contains starts_with ends_with chars words lines capitalize title_case snake_case
    kebab_case camel_case trim_start trim_end is_empty titleCase snakeCase camelCase kebabCase""".split()
)

JS_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else enum export extends false
    finally for function if import in instanceof new null return super switch this throw true try
    typeof var void while with yield let static implements interface package private protected public
    await arguments eval""".split()
)
