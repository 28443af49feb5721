import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Option from "effect/Option";
import { compactHeap, defaultWorkerCount, engineLayer, MAX_WORKERS, runLook, spoolConfigFromEnv, SpoolConfigError, spoolLayer, SpoolService } from "@tagwire/engine";
import { stateDirOf, storeLayer } from "@tagwire/store";
import { errorLine, InputError, Interrupted, NotValid } from "../exit.js";
import { fromCall } from "../input-effects.js";
import { json, positiveInteger, rateLimit, runId, setting, sourceFlags, syncFlags, targetFlags, wholeNumberUpTo } from "../flags.js";
import { syncNeedsStore, syncRequestOf } from "../sync-flags.js";
import { planRejected } from "../output/diagnostics.js";
import { printJson, printLines } from "../output/print.js";
import { runReportLines } from "../output/report.js";
import { countingRows, noProgress, startProgress } from "../progress.js";
import { settingsFor } from "../settings.js";
import { checkAsSendWould, checkSettingNames, settingsProblem } from "../send-checks.js";
import { openLook } from "../sources/index.js";
import { retryFlags, retryPolicy } from "../retry-flags.js";
import { storeProblem } from "../store-access.js";
import { connectorNamed, planOptions } from "../target.js";
import { STOP_GRACE_MS, stopSignal } from "../signals.js";

const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Read, check and batch every row, send nothing; the report says what would be delivered."));
const workers = wholeNumberUpTo(
  "workers",
  MAX_WORKERS,
  `Worker threads that parse and transform rows, 0 to ${MAX_WORKERS} (0: all on the main thread). Default: 1 when the machine has a second core, else 0.`,
).pipe(Options.optional);
/** Where the spool goes and how large it may grow; a bad TAGWIRE_SPOOL_MAX_BYTES is a configuration error (exit 2). */
const spoolConfig = fromCall(() => {
  try {
    return spoolConfigFromEnv(process.env, stateDirOf(process.env));
  } catch (e) {
    throw e instanceof SpoolConfigError ? new InputError({ message: e.message, code: "config" }) : e;
  }
});
const concurrency = positiveInteger("concurrency", "How many requests may be in flight at once (default: the connector's own).").pipe(Options.optional);

export const send = Command.make("send", { ...targetFlags, ...sourceFlags, setting, dryRun, concurrency, workers, rateLimit: rateLimit.pipe(Options.optional), ...retryFlags, runId, ...syncFlags, json }, (flags) =>
  Effect.gen(function* () {
    const connector = yield* connectorNamed(flags.to.connector);
    yield* checkSettingNames(connector, flags.setting);
    const retry = yield* retryPolicy(flags, process.env);
    const sync = yield* syncRequestOf(flags);
    yield* syncNeedsStore(sync, process.env);
    const settings = settingsFor(connector, flags.setting, process.env);
    if (flags.dryRun) yield* checkAsSendWould(connector, settings, Option.getOrUndefined(flags.rateLimit));
    // A Look from the Looker API is read ahead through the spool (TAGWIRE_SPOOL_MAX_BYTES), as the server reads a download_url.
    const spools = yield* SpoolService;
    const input = yield* openLook(flags, { raw: true, spool: (bytes) => spools.open(bytes) });
    const progress = flags.json ? noProgress() : startProgress(connector.manifest.label, input.count);
    // Ctrl-C stops the run with a report of what it did, not the process with nothing printed.
    const stop = stopSignal();
    const report = yield* runLook({
      connector,
      look: countingRows(input.events, progress.rows),
      settings,
      ...planOptions(flags),
      hiddenFields: input.hiddenFields,
      tagSource: input.tagSource,
      ...(input.download !== undefined ? { download: input.download } : {}),
      dryRun: flags.dryRun,
      ...(Option.isSome(flags.concurrency) ? { concurrency: flags.concurrency.value } : {}),
      workers: Option.getOrElse(flags.workers, defaultWorkerCount),
      ...(Option.isSome(flags.rateLimit) ? { rateLimit: flags.rateLimit.value } : {}),
      retry,
      ...(Option.isSome(flags.runId) ? { runId: flags.runId.value } : {}),
      ...(sync !== undefined ? { sync } : {}),
      // `stdin` and `Look 42` say what they are; anything else is a file.
      source: input.name === "stdin" || input.name.startsWith("Look ") ? input.name : `file:${input.name}`,
      onProgress: (p) => progress.update(p),
      stop: { signal: stop.signal, graceMs: STOP_GRACE_MS },
    }).pipe(
      // The command's own destination client, row workers and state store (TAGWIRE_DATABASE_URL),
      // released when the run ends. Its row workers bound the heap's growth again, as the command does.
      Effect.provide(Layer.merge(engineLayer({ rowWorkers: { compactHeap: compactHeap() } }), storeLayer(process.env))),
      Effect.ensuring(Effect.sync(() => progress.stop())),
      Effect.catchTags({
        PlanRejected: (e) => planRejected(e.plan.diagnostics, connector.manifest.label, flags.json),
        SettingsError: (e) => Effect.fail(settingsProblem(connector, e)),
        StoreError: (e) => Effect.fail(storeProblem(e)),
        // Another send or server run of the sync holds it: this Look cannot be sent now (exit 1), and nothing was.
        SyncBusy: (e) => Effect.fail(new InputError({ message: `${e.message}; nothing was sent`, code: "plan" })),
        SourceError: (e) => (stop.signal.aborted ? Effect.fail(new Interrupted()) : Effect.fail(new InputError({ message: `${input.name}: ${errorLine(e)}`, code: "source" }))),
      }),
      Effect.ensuring(Effect.sync(() => stop.release())),
    );
    yield* flags.json ? printJson(report) : printLines(runReportLines(report));
    // A run that lost its sync stopped itself: its unsent rows failed, as any failed rows (exit 1).
    if (report.stopped !== undefined && report.stopped.by !== "hold lost") return yield* Effect.fail(new Interrupted());
    // A source that breaks off is an input error wherever it shows (exit 2, as from validate --rows); the report says so once.
    if (report.sourceError !== undefined) return yield* Effect.fail(new NotValid({ code: "source" }));
    if (!report.success) return yield* Effect.fail(new NotValid());
  }).pipe(
    // The command's spool, swept and built once; its files are deleted when the command ends.
    Effect.provide(Layer.unwrapEffect(Effect.map(spoolConfig, (config) => spoolLayer(config)))),
  ),
).pipe(
  Command.withDescription(
    "Deliver a Look to a destination: a progress bar on a terminal (plain lines on stderr otherwise; none with --json), then the run report. Ctrl-C stops the send and prints the report of what was done. Exit 0 when every row was delivered, 1 when any row was rejected or failed (or the Look cannot be sent), 2 on usage or input errors, 130 when stopped by Ctrl-C or SIGTERM.",
  ),
);
