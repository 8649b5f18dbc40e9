// Loads compiler/js/*.js the way the compiler inlines them (concatenated in file-name order, as one
// script) and hands back the runtime's top-level names, so node can test them without a worker.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const JS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "compiler", "js");

export function runtimeFiles() {
  return readdirSync(JS_DIR).filter((name) => name.endsWith(".js")).sort();
}

export function runtimeSource() {
  return runtimeFiles().map((name) => readFileSync(join(JS_DIR, name), "utf8")).join("\n");
}

export function topLevelNames(source) {
  return [...source.matchAll(/^(?:async\s+)?(?:function\s*\*?\s*|const\s+|let\s+|class\s+)([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
}

export function loadRuntime() {
  const source = runtimeSource();
  const names = topLevelNames(source);
  // eslint-disable-next-line no-new-func
  return new Function(`${source}\nreturn { ${names.join(", ")} };`)();
}
