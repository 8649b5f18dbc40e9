// Cron schedules: the same code runs from the platform's trigger and from `POST /__tova/cron/<name>`,
// and every run is recorded (trigger, start, duration, ok/error) so the console can show the last ones.

function __tova_cronController(schedule) {
  return { cron: schedule.cron, scheduledTime: Date.now(), type: "scheduled", noRetry() {} };
}

function __tova_now() {
  return typeof performance !== "undefined" && performance.now ? performance.now() : Date.now();
}

// -> CronRun; never throws (a failed run is a run with ok: false).
async function __tova_runSchedule(schedule, trigger, controller, env, ops) {
  const run = { id: crypto.randomUUID(), name: schedule.name, trigger, started_at: Date.now(), duration_ms: 0, ok: true, error: null };
  const started = __tova_now();
  try {
    await schedule.run(controller);
  } catch (err) {
    run.ok = false;
    run.error = __tova_errorMessage(err);
    console.error(`cron ${schedule.name} (${trigger}) failed: ${run.error}`);
  }
  // workerd freezes timers during pure computation; a run still took at least a little time.
  run.duration_ms = Math.round((__tova_now() - started) * 1000) / 1000;
  const db = env[ops.d1];
  if (db) {
    try {
      await __tova_recordCronRun(db, run);
    } catch (err) {
      console.error(`tova ops store: could not record the run of cron ${schedule.name}: ${__tova_errorMessage(err)}`);
    }
  }
  return run;
}

// The platform's trigger names only the cron expression: every schedule with that expression runs.
async function __tova_runScheduled(spec, controller, env) {
  const due = (spec.schedules || []).filter((schedule) => schedule.cron === controller.cron);
  if (due.length === 0) {
    console.error(`cron trigger "${controller.cron}" matches no schedule of worker ${spec.worker}`);
    return;
  }
  const runs = await Promise.all(due.map((schedule) => __tova_runSchedule(schedule, "scheduled", controller, env, spec.ops)));
  const failed = runs.filter((run) => !run.ok);
  // Re-raise so the platform's own metrics count the failure too.
  if (failed.length) throw new Error(failed.map((run) => `${run.name}: ${run.error}`).join("; "));
}
