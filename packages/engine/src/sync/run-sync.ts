// A run's sync, as the run's stages meet it: opened with the run (or the reason it is not one),
// the run kept in the store's history, and, once the Look's rows are delivered, the removed rows
// found and the clearing records built for those to clear.

import { randomUUID } from "node:crypto";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import type * as Scope from "effect/Scope";
import { RecordPacker, TOO_LARGE, type Batch, type Packed, type RequestShape } from "../batch/batcher.js";
import type { LookFields } from "../look/types.js";
import type { Plan } from "../plan/types.js";
import { RecordIds } from "../transform/ids.js";
import type { Record_ } from "../transform/path.js";
import type { RowProgram } from "../transform/program.js";
import { fillRecord, scopeOf, type RunContext } from "../transform/transform.js";
import type { PackingSetup } from "../run/chunk-processor.js";
import type { ReportBuilder, RunReport } from "../run/report.js";
import type { RunInput } from "../run/run-input.js";
import { RECORD_DIGEST_BYTES } from "./digest-bytes.js";
import { busyRun, finishedRun, startedRun, type RunStart } from "./run-history.js";
import { SyncStoreService, type StoreError, type SyncBusy, type SyncStore } from "./store.js";
import { SyncRun } from "./sync-run.js";
import { syncModeOf } from "./sync-mode.js";

/** The run's sync and history, as the stages after opening see them. */
export interface RunSync {
  readonly sync?: SyncRun;
  readonly history?: RunHistory;
}

export interface RunHistory {
  /** Keeps the finished run; a store that fails to is told in the report it returns. */
  finish(report: RunReport): Effect.Effect<RunReport>;
}

/**
 * The run's sync, when one is asked for and can be kept: a store, and a declaration for the mode
 * (the send's options); otherwise the report says why every row is sent. Every run with a store
 * but a dry run is kept in its history. A store that cannot open the sync or read its state
 * fails the run before anything is sent.
 */
export function openRunSync(input: RunInput, plan: Plan, fields: LookFields, context: RunContext, report: ReportBuilder, holdWatch: () => (why: string) => void): Effect.Effect<RunSync, StoreError | SyncBusy, Scope.Scope> {
  return Effect.gen(function* () {
    const store = Option.getOrUndefined(yield* Effect.serviceOption(SyncStoreService));
    const start: RunStart = {
      runId: store === undefined || input.dryRun === true ? context.runId : yield* historyIdOf(store, context.runId),
      connector: plan.connector.id, source: input.source ?? "api", startedAt: new Date().toISOString(),
      ...(plan.action ? { action: plan.action.name } : {}),
      ...(input.webhookId !== undefined ? { webhookId: input.webhookId } : {}),
    };
    const { sync, notSynced } = yield* openSync(input, store, plan, fields, context, holdWatch).pipe(
      // An execute the sync's other run kept waiting past its wait is in the history too, as having sent nothing.
      Effect.tapError((e) => (e._tag === "SyncBusy" && store !== undefined ? Effect.ignore(store.finishRun(busyRun({ ...start, syncId: e.syncId }, e.waitedMs))) : Effect.void)),
    );
    if (notSynced !== undefined) report.notSynced(notSynced);
    if (store === undefined || input.dryRun === true) return sync === undefined ? {} : { sync };
    const history = runHistory(store, report, { ...start, ...(sync !== undefined ? { syncId: sync.record.id } : {}) });
    yield* history.start;
    return { ...(sync !== undefined ? { sync } : {}), history };
  });
}

function openSync(input: RunInput, store: SyncStore | undefined, plan: Plan, fields: LookFields, context: RunContext, holdWatch: () => (why: string) => void): Effect.Effect<{ sync?: SyncRun; notSynced?: string }, StoreError | SyncBusy, Scope.Scope> {
  const request = input.sync;
  // Without a store the process is stateless by its configuration: every run sends every row, as it always did.
  if (request === undefined || store === undefined) return Effect.succeed({});
  if (request.plan === undefined) return Effect.succeed({ notSynced: "the send has no scheduled plan id, so it belongs to no sync" });
  const manifest = plan.connector.manifest;
  const mode = syncModeOf(manifest, plan.options);
  if (mode === undefined) return Effect.succeed({ notSynced: `${manifest.label} keeps no sync state for these options` });
  return Effect.map(
    SyncRun.open(store, {
      identity: { instance: request.instance, plan: request.plan, action: context.action, workspace: context.workspace },
      connector: plan.connector.id,
      mode,
      fields,
      shape: {
        options: plan.options,
        action: context.action,
        ...(input.hiddenFields !== undefined ? { hiddenFields: input.hiddenFields } : {}),
        ...(input.downstreams !== undefined ? { downstreams: input.downstreams } : {}),
      },
      request,
      dryRun: input.dryRun === true,
      sensitive: Object.fromEntries(manifest.settings.filter((s) => s.sensitive !== false).map((s) => [s.name, input.settings?.[s.name]])),
      fillKeys: (manifest.fills ?? []).map((f) => f.target.split(".")[0]!.replace("[]", "")),
      holdWatch,
    }),
    (sync) => ({ sync }),
  );
}

/**
 * The run's id in the history: its run id, unless a run of the history has it already. A webhook
 * Looker sends again, or a send given the same `--run-id`, keeps its run id (its records keep their
 * ids, so the destination takes none twice), but each attempt is a run of the history.
 */
function historyIdOf(store: SyncStore, runId: string): Effect.Effect<string> {
  return store.getRun(runId).pipe(
    Effect.map((run) => (run === undefined ? runId : randomUUID())),
    Effect.orElseSucceed(() => randomUUID()),
  );
}

function runHistory(store: SyncStore, report: ReportBuilder, start: RunStart): RunHistory & { readonly start: Effect.Effect<void> } {
  return {
    start: Effect.catchAll(store.startRun(startedRun(start)), (e) => Effect.sync(() => report.historyFailed(e.reason))),
    finish: (finished) =>
      store.finishRun(finishedRun(start, finished)).pipe(
        Effect.as(finished),
        Effect.catchAll((e) => Effect.succeed({ ...finished, historyError: finished.historyError ?? e.reason })),
      ),
  };
}

/**
 * Removed subjects' clearing records as requests: completed by the manifest's fills (ids of their
 * own), checked against the wire schema, packed within the API's limits. A record that cannot be
 * sent is counted as not cleared, with why.
 */
export function clearingBatches(
  clears: ReadonlyArray<{ readonly key: Uint8Array; readonly record: Record_ }>,
  ctx: { readonly program: RowProgram; readonly context: RunContext; readonly packing: PackingSetup; readonly shape: RequestShape; readonly sync: SyncRun },
): Batch[] {
  if (clears.length === 0) return [];
  const packer = new RecordPacker(ctx.packing.limits, ctx.packing.room);
  const ids = new RecordIds(scopeOf(ctx.program, ctx.context));
  const digests = new Uint8Array(RECORD_DIGEST_BYTES);
  const packed: Packed[] = [];
  clears.forEach(({ key, record }, i) => {
    fillRecord(ctx.program, record, ctx.context, ids);
    const problems = ctx.program.validateRecord?.(record);
    if (problems !== undefined) return ctx.sync.notCleared(1, `the clearing record breaks the destination's wire schema at ${problems[0]}`);
    digests.set(key, 0);
    const done = packer.add(JSON.stringify(record), i + 1, digests);
    if (done === TOO_LARGE) ctx.sync.notCleared(1, "the clearing record is larger than the destination accepts");
    else if (done !== undefined) packed.push(done);
  });
  const last = packer.flush();
  if (last !== undefined) packed.push(last);
  return packed.map((p) => ctx.shape.wrap({ ...p, clearing: true }));
}
