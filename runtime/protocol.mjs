// The runner's side of the JSON-lines protocol (docs/contracts.md §4): one JSON object per line on
// stdout, and nothing else there. Every runtime module emits through this one function.

const stdoutWrite = process.stdout.write.bind(process.stdout);

export function emit(event) {
  stdoutWrite(JSON.stringify(event) + "\n");
}

export function runtimeLog(level, message) {
  emit({ event: "log", worker: "runtime", level, time: Date.now(), message });
}
