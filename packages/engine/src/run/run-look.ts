// The run: one pipeline every runtime calls. Its stages, each a module with one job, are composed
// here and nowhere else: open (header, plan, endpoint, pacer) -> rows to requests (row-stage.ts,
// batches.ts) -> deliver (deliver-batches.ts) -> report. A stage between transform and delivery
// wraps the RowStage (chunk results, in row order) or maps the `Stream<Batch>` (whole requests).

// Effect's module subpaths, here and across the engine: its index loads every module, about 16 MB
// more resident memory in each server process.
import * as Effect from "effect/Effect";
import type { Halt } from "../deliver/send-batch.js";
import { runClockNow, type RunReport } from "./report.js";
import type { PlanRejected, SettingsError, SourceError } from "./errors.js";
import { openRun } from "./open-run.js";
import { rowStageFor } from "./row-stage.js";
import { batchesOf } from "./batches.js";
import { deliverBatches } from "./deliver-batches.js";
import { RunStopping } from "./run-stop.js";
import type { RunInput } from "./run-input.js";
import type { RunServices } from "./services.js";
import * as Stream from "effect/Stream";
import type { StoreError, SyncBusy } from "../sync/store.js";
import { clearingBatches } from "../sync/run-sync.js";

export type { RunInput, RunProgress } from "./run-input.js";

/**
 * The whole job: read the Look's fields, plan, then stream rows through transform and batching
 * into delivery with bounded concurrency. Fails only before anything is sent (bad plan, missing
 * settings, unreadable Look); once rows flow, every outcome lands in the report. Rows in flight
 * are charged to the process's MemoryBudgetService when one is provided. A sync that another
 * run holds past the request's wait fails the run with SyncBusy, before anything is sent.
 */
export function runLook(input: RunInput): Effect.Effect<RunReport, PlanRejected | SettingsError | SourceError | StoreError | SyncBusy, RunServices> {
  return Effect.suspend(() => {
    const halt: Halt = {};
    const stopping = new RunStopping(input.stop, halt);
    const clock = runClockNow();
    return Effect.gen(function* () {
      const open = yield* openRun(input, stopping, clock);
      const stage = yield* rowStageFor(open, input);
      const read = batchesOf(open, stage, stopping);
      yield* deliverBatches(open, input, halt, stopping, read.batches).pipe(Effect.ensuring(Effect.sync(() => stage.close())));
      // A download ends before the run has read its last rows when it went through the spool; a Look
      // that broke off was not read (its download may have ended all the same).
      open.tally.report.readEnded(read.brokeOff() ? undefined : input.download !== undefined ? input.download.finishedAt : read.readEndedAt(), input.download !== undefined);
      if (stopping.reason !== undefined) {
        open.tally.report.stopped(stopping.reason, read.readToEnd(), stopping.detail);
        // Lets a download that was cut off go (a generator ends once its pending read settles).
        if (!read.readToEnd()) open.rows.return?.().catch(() => undefined);
      }
      const { sync, history } = open.sync;
      if (sync !== undefined) {
        // Rows missing from a Look that broke off or a stopped run may be rows not read, and a row skipped
        // for its size has no key to tell: no removal is inferred from them.
        yield* sync.finishRows(read.readToEnd() && !read.brokeOff() && !read.skippedRows() && stopping.reason === undefined);
        const clears = clearingBatches(yield* sync.clearingRecords(), { ...open, program: open.plan.program, sync });
        if (clears.length > 0) yield* deliverBatches(open, input, halt, stopping, Stream.fromIterable(clears));
        open.tally.report.sync(sync.report(), sync.notSent);
      }
      const report = open.tally.finish();
      return history === undefined ? report : yield* history.finish(report);
      // The scope holds the run's sync (see SyncRun.open) until its state and history are written.
    }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => stopping.close())));
  });
}
