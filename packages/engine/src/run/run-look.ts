import { randomUUID } from "node:crypto";
// Effect's module subpaths, here and across the engine: its index loads every module, about 16 MB
// more resident memory in each server process.
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Fiber from "effect/Fiber";
import * as Option from "effect/Option";
import * as Queue from "effect/Queue";
import * as Stream from "effect/Stream";
import type { Connector } from "../manifest/connector.js";
import type { LookEvent } from "../look/read-look.js";
import type { LookFields, LookRow } from "../look/types.js";
import type { RunContext } from "../transform/transform.js";
import { isRawRows, rowCount, type RawRows } from "../look/raw-rows.js";
import { plan as makePlan } from "../plan/plan.js";
import type { Plan } from "../plan/types.js";
import { RecordPacker, RequestShape, TOO_LARGE, type Batch, type Packed } from "../batch/batcher.js";
import { RecordIds } from "../transform/ids.js";
import { fillRecord, scopeOf } from "../transform/transform.js";
import type { Record_ } from "../transform/path.js";
import type { RowProgram } from "../transform/program.js";
import { RECORD_DIGEST_BYTES } from "../sync/digest-bytes.js";
import type { Transport } from "../deliver/transport.js";
import { sendBatch, type BatchOutcome, type Halt, type RunGate, type SendCounters } from "../deliver/send-batch.js";
import { defaultRetryPolicy, retrySchedule, type RetryPolicy } from "../deliver/retry.js";
import type { TagSource } from "../plan/tag-fixes.js";
import { ReportBuilder, type RunReport } from "./report.js";
import { PlanRejected, SettingsError, SourceError } from "./errors.js";
import { runContextOf } from "./run-context.js";
import { requestBodyFields, resolveEndpoint, resolveSettings, type Env } from "./endpoint.js";
import { ChunkProcessor, packingOf, type ChunkResult, type PackingSetup } from "./chunk-processor.js";
import { WorkerRun, type LostRows } from "./row-workers.js";
import { RepeatIds } from "./repeat-ids.js";
import { MemoryBudgetService, type MemoryBudget } from "./memory-budget.js";
import { destinationOf, pacerFor, pacingNow } from "./pacing.js";
import type { RateLimitSetting } from "../deliver/rate-limit.js";
import { RunStopping, type RunStop } from "./run-stop.js";
import { RateBudgetsService, RowWorkerPoolService, TransportService, type RunServices } from "./services.js";
import { SyncStoreService, type StoreError, type SyncStore } from "../sync/store.js";
import { SyncRun, type SyncRequest } from "../sync/sync-run.js";
import { syncModeOf } from "../sync/sync-mode.js";
import { finishedRun, startedRun, type RunStart } from "../sync/run-history.js";

export interface RunProgress {
  readonly read: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly requests: number;
  readonly retries: number;
  /** Wall-clock ms so far during which some request waited for the rate limit or a `Retry-After`. */
  readonly pacedMs?: number;
  /** Epoch ms until which a request of the run waits for the rate limit; absent or past: none does. */
  readonly pacedUntil?: number;
  /** Epoch ms until which a 429's `Retry-After` holds every request to the destination. */
  readonly heldUntil?: number;
  /** The last answer that failed a request (retried unless its retries are used up), and when. */
  readonly lastFailure?: { readonly reason: string; readonly at: number };
}

export interface RunInput {
  readonly connector: Connector;
  /** The Look: its header first, then its rows (see `readLook`). */
  readonly look: AsyncIterable<LookEvent>;
  /** Credentials and other admin settings; not needed for a dry run. */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  readonly options?: Readonly<Record<string, string | undefined>>;
  readonly action?: string;
  readonly downstreams?: ReadonlyArray<string>;
  readonly hiddenFields?: ReadonlyArray<string>;
  /** Where the Look's tags are given, for the wording of the plan's fixes (see PlanInput). */
  readonly tagSource?: TagSource;
  /** Same run id and rows, same record ids (in any row order): a replayed run is deduplicated downstream. Random when absent. */
  readonly runId?: string;
  /** Where `TAGWIRE_<ID>_URL` is read from (defaults to the process environment). */
  readonly env?: Env;
  readonly concurrency?: number;
  /**
   * Worker threads that parse, transform and serialise rows (0: all on this thread). They pay
   * off on long Looks read with `readLook(source, { raw: true })`.
   */
  readonly workers?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Replaces the manifest's `wire.rateLimit` and `TAGWIRE_<ID>_RATE_LIMIT`; `"off"` sends unpaced. */
  readonly rateLimit?: RateLimitSetting;
  /** Sends this run's requests instead of the TransportService (tests give scripted answers). */
  readonly transport?: Transport;
  /** Validate every record against the connector's wire schema before sending (default on). */
  readonly validateRecords?: boolean;
  /** Transform and batch, send nothing. */
  readonly dryRun?: boolean;
  readonly onPlan?: (plan: Plan) => void;
  /** Called after each chunk of rows is read, after each request's answer, and after each batch settles. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Every HTTP attempt (retries included): status (undefined on a network error) and latency. */
  readonly onRequest?: (status: number | undefined, latencyMs: number) => void;
  /**
   * Asks the run to stop: it reads no further, sends nothing new, gives requests in flight the
   * grace period, and returns the report of what it did (see `RunReport.stopped`).
   */
  readonly stop?: RunStop;
  /** A chunk of rows waited this long for room in the process's memory budget (MemoryBudgetService). */
  readonly onMemoryWait?: (waitedMs: number, bytes: number) => void;
  /**
   * Send only what changed since this sync's last confirmed run (needs the SyncStoreService and a
   * mode whose connector declares syncs; otherwise every row is sent and the report says why).
   */
  readonly sync?: SyncRequest;
  /** Where the rows came from, for the store's history: `looker`, `file:<name>`, ... */
  readonly source?: string;
  /** Looker's webhook id, for the store's history. */
  readonly webhookId?: string;
}

/**
 * The whole job: read the Look's fields, plan, then stream rows through transform and batching
 * into delivery with bounded concurrency. Fails only before anything is sent (bad plan, missing
 * settings, unreadable Look); once rows flow, every outcome lands in the report. Rows in flight
 * are charged to the process's MemoryBudgetService when one is provided.
 */
export function runLook(input: RunInput): Effect.Effect<RunReport, PlanRejected | SettingsError | SourceError | StoreError, RunServices> {
  return Effect.suspend(() => {
    const halt: Halt = {};
    const stopping = new RunStopping(input.stop, halt);
    return run(input, halt, stopping).pipe(Effect.ensuring(Effect.sync(() => stopping.close())));
  });
}

function run(input: RunInput, halt: Halt, stopping: RunStopping): Effect.Effect<RunReport, PlanRejected | SettingsError | SourceError | StoreError, RunServices> {
  return Effect.gen(function* () {
    const { connector } = input;
    const iterator = input.look[Symbol.asyncIterator]();
    const first = yield* Effect.raceFirst(
      Effect.tryPromise({ try: () => iterator.next(), catch: (e) => new SourceError({ reason: errorText(e) }) }),
      Effect.zipRight(stopping.asked, Effect.fail(new SourceError({ reason: "the run was stopped before the Look's fields arrived" }))),
    );
    if (first.done === true || first.value.kind !== "header") {
      return yield* Effect.fail(new SourceError({ reason: "the Look has no fields: is it a json_detail result?" }));
    }
    const header = first.value.header;
    const planInput = {
      fields: header.fields,
      ...(input.hiddenFields ? { hiddenFields: input.hiddenFields } : {}),
      ...(input.options ? { options: input.options } : {}),
      ...(input.action ? { action: input.action } : {}),
      ...(input.downstreams ? { downstreams: input.downstreams } : {}),
      ...(input.tagSource ? { tagSource: input.tagSource } : {}),
    };
    const plan = makePlan(connector, planInput);
    input.onPlan?.(plan);
    if (!plan.ok) return yield* Effect.fail(new PlanRejected({ plan }));
    // A dry run sends nothing, so it needs no credentials.
    const endpoint = input.dryRun
      ? undefined
      : yield* settingsStep(() => resolveEndpoint(connector, resolveSettings(connector, input.settings ?? {}), plan.options, input.env ?? process.env));
    const transport = input.transport ?? (yield* TransportService);
    // The HTTP client is loaded before the pacer's clock starts, so its loading is neither counted as
    // pacing nor taken out of the first interval between requests.
    if (endpoint !== undefined && transport.ready !== undefined) yield* Effect.promise(() => transport.ready!());
    // A dry run sends nothing, so it is not paced.
    const budgets = yield* RateBudgetsService;
    const pacer = endpoint === undefined ? undefined : yield* settingsStep(() => pacerFor(connector, input.rateLimit, input.env ?? process.env, { budgets, destination: destinationOf(endpoint) }));

    const runId = input.runId ?? randomUUID();
    const run = runContextOf(plan, input.settings ?? {}, runId, header.ranAt);
    const report = new ReportBuilder({
      connector: connector.id, label: connector.manifest.label, runId, dryRun: input.dryRun === true, diagnostics: plan.diagnostics,
      ...(plan.action ? { action: plan.action.name } : {}),
    });
    const store = Option.getOrUndefined(yield* Effect.serviceOption(SyncStoreService));
    const { sync, notSynced } = yield* openSync(input, store, plan, header.fields, run);
    if (notSynced !== undefined) report.notSynced(notSynced);
    const history = store === undefined || input.dryRun ? undefined : runHistory(store, report, {
      runId, connector: connector.id, source: input.source ?? "api", startedAt: new Date().toISOString(),
      ...(sync !== undefined ? { syncId: sync.record.id } : {}),
      ...(plan.action ? { action: plan.action.name } : {}),
      ...(input.webhookId !== undefined ? { webhookId: input.webhookId } : {}),
    });
    if (history !== undefined) yield* history.start;
    const validateRecords = input.validateRecords !== false;
    // A dry run has no endpoint: body fields are sized from the settings given, if any.
    const shape = new RequestShape(connector.manifest.wire.envelope, endpoint?.bodyFields ?? requestBodyFields(connector, input.settings ?? {}));
    const packing = packingOf(connector, shape);
    const threads = Math.max(0, Math.floor(input.workers ?? 0));
    // On worker threads, records get first-occurrence ids and `repeats` counts them here, in row
    // order; a processor on this thread that stands in for them does the same.
    const repeats = threads > 0 ? new RepeatIds() : undefined;
    const memory = runMemory(Option.getOrUndefined(yield* Effect.serviceOption(MemoryBudgetService)), input.onMemoryWait);
    const onThisThread = () => new ChunkProcessor(validateRecords ? plan.program : { ...plan.program, validateRecord: undefined }, run, packing, repeats === undefined, sync?.setup);
    const stage =
      threads > 0
        ? workerStage(new WorkerRun(yield* RowWorkerPoolService, { connector: connectorData(connector), planInput, validateRecords, run, packing, ...(sync !== undefined ? { sync: sync.setup } : {}) }, threads, onThisThread), threads, memory)
        : inlineStage(onThisThread());

    let nextRow = 1;
    let stopped = false;
    let sourceBroke = false;
    let lastFailure: RunProgress["lastFailure"];
    // What holds the send is told with the figures (a dry run has no pacer).
    const tell = (): void => {
      if (input.onProgress === undefined) return;
      input.onProgress({ ...report.progress, ...(pacer !== undefined ? pacingNow(pacer) : {}), ...(lastFailure !== undefined ? { lastFailure } : {}) });
    };
    const toBatches = (packed: ReadonlyArray<Packed>): Batch[] =>
      packed.map((p) => {
        repeats?.rewrite(p);
        return shape.wrap(p);
      });
    const account = (result: ChunkResult): Batch[] => {
      repeats?.count(result);
      report.rowsRead(result.read);
      for (const w of result.warnings) report.warn(w.row, w.reason, w.detail);
      for (const r of result.rejected) report.reject(r.row, r.reason, r.detail);
      if (result.sync !== undefined) sync?.account(result.sync, report);
      if (result.lost !== undefined) report.batchFailed(result.lost.rows, result.lost.reason);
      if (result.error !== undefined) {
        // Rows after a malformed one cannot be trusted to be where they seem: stop reading there.
        report.sourceFailed(result.error);
        stopped = true;
        sourceBroke = true;
      }
      tell();
      return toBatches(result.packed);
    };
    const push = (rows: RawRows | ReadonlyArray<LookRow>): Effect.Effect<Batch[]> => {
      const firstRow = nextRow;
      nextRow += rowCount(rows);
      return Effect.map(stage.push(rows, firstRow), (results) => results.flatMap(account));
    };
    const finish: Effect.Effect<Batch[]> = Effect.map(stage.finish, ({ results, packed, lost }) => {
      const batches = results.flatMap(account);
      for (const l of lost) report.batchFailed(l.rows, l.reason);
      return [...batches, ...toBatches(packed)];
    });

    const policy = { ...defaultRetryPolicy, ...input.retry };
    const schedule = retrySchedule(policy);
    // The first request goes alone: if the API refuses the credentials, that one answer stops the
    // run before the other workers send theirs (see `halt`).
    const firstAnswer = yield* Deferred.make<void>();
    const openGate = () => Deferred.unsafeDone(firstAnswer, Exit.void);
    let firstBatch = true;
    const counters: SendCounters = {
      onAttempt: (status: number | undefined, ms: number) => {
        report.attempt(status, ms);
        input.onRequest?.(status, ms);
      },
      onRetry: () => report.retry(),
      onAnswer: (failure) => {
        openGate();
        if (failure !== undefined && failure._tag !== "RunStoppedFailure") lastFailure = { reason: failure.reason, at: Date.now() };
        tell();
      },
    };
    const refusedBy = `refused by ${connector.manifest.label}`;
    const settle = (batch: Batch, outcome: BatchOutcome): Effect.Effect<void> => {
      if (batch.clearing === true) return settleClearing(batch, outcome);
      if (!outcome.ok) {
        report.batchFailed(batch.rows, outcome.reason, outcome.status, outcome.retried);
        tell();
        return Effect.void;
      }
      for (const r of outcome.refused) report.reject(batch.rows[r.index]!, `${refusedBy}: ${r.message}`, `named in the answer's \`${r.list}\` (HTTP ${outcome.status})`);
      if (outcome.othersTaken) {
        report.batchDelivered(batch.count - outcome.refused.length);
        tell();
        // The state advances for the records the destination took, not for those it refused.
        return sync !== undefined && batch.digests !== undefined ? sync.confirm({ ...batch, digests: batch.digests }, new Set(outcome.refused.map((r) => r.index))) : Effect.void;
      }
      // The API took none of the request: the records it did not refuse go again, on their own.
      tell();
      const rest = batch.without(new Set(outcome.refused.map((r) => r.index)));
      return rest === undefined ? Effect.void : send(rest);
    };
    // Clearing records are not rows of the Look: the sync counts them, and forgets a subject once its clear is taken.
    const settleClearing = (batch: Batch, outcome: BatchOutcome): Effect.Effect<void> => {
      if (sync === undefined || batch.digests === undefined) return Effect.void;
      if (!outcome.ok) {
        sync.notCleared(batch.count, outcome.reason);
        return Effect.void;
      }
      for (const r of outcome.refused) sync.notCleared(1, `${refusedBy}: ${r.message}`);
      const refused = new Set(outcome.refused.map((r) => r.index));
      if (outcome.othersTaken) return sync.cleared({ digests: batch.digests, count: batch.count }, refused);
      const rest = batch.without(refused);
      return rest === undefined ? Effect.void : send(rest);
    };
    const afterFirstAnswer: RunGate = { halt, ready: Deferred.await(firstAnswer) };
    const send = (batch: Batch, gate: RunGate = afterFirstAnswer): Effect.Effect<void> =>
      Effect.suspend(() =>
        // Once the credentials are refused, the rows left fail at once with that reason.
        halt.failure !== undefined
          ? settle(batch, { ok: false, reason: halt.failure.reason, status: halt.failure.status, retried: false })
          : stopping.guard(counters, (watched) => sendBatch(batch, endpoint!, transport, policy, watched, pacer, gate, schedule)).pipe(Effect.flatMap((outcome) => settle(batch, outcome))),
      );
    const deliver = (batch: Batch): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (endpoint === undefined) return settle(batch, { ok: true, status: 0, refused: [], othersTaken: true });
        if (!firstBatch) return send(batch);
        firstBatch = false;
        return send(batch, { halt }).pipe(Effect.ensuring(Effect.sync(openGate)));
      });

    let readToEnd = false;
    const stoppedReading: IteratorResult<LookEvent> = { done: true, value: undefined };
    const rest: AsyncIterable<LookEvent> = {
      [Symbol.asyncIterator]: () => ({
        // A stopped run reads no further; what it read is still transformed and accounted for.
        next: async () => {
          const next = await stopping.orStop(iterator.next(), stoppedReading);
          if (next.done === true && next !== stoppedReading) readToEnd = true;
          return next;
        },
      }),
    };
    const batches = Stream.fromAsyncIterable(rest, (e) => new SourceError({ reason: errorText(e) })).pipe(
      // A Look that breaks off mid-way still has its read rows delivered and accounted for.
      Stream.catchAll((e) => {
        report.sourceFailed(e.reason);
        sourceBroke = true;
        return Stream.empty;
      }),
      Stream.takeWhile(() => !stopped),
      Stream.mapEffect((event) => (event.kind === "header" ? Effect.succeed([]) : push(event.rows))),
      Stream.concat(Stream.fromEffect(finish)),
      Stream.flattenIterables,
    );
    yield* deliverAll(batches, deliver, input.concurrency ?? connector.manifest.wire.concurrency ?? 4).pipe(Effect.ensuring(Effect.sync(() => stage.close())));
    if (stopping.reason !== undefined) {
      report.stopped(stopping.reason, readToEnd);
      // Lets a download that was cut off go (a generator ends once its pending read settles).
      if (!readToEnd) iterator.return?.().catch(() => undefined);
    }
    if (sync !== undefined) {
      // Rows missing from a Look that broke off or a stopped run may be rows not read: no removal is inferred from them.
      yield* sync.finishRows(readToEnd && !sourceBroke && stopping.reason === undefined);
      const clears = clearingBatches(yield* sync.clearingRecords(), { program: plan.program, run, packing, shape, sync });
      if (clears.length > 0) yield* deliverAll(Stream.fromIterable(clears), deliver, input.concurrency ?? connector.manifest.wire.concurrency ?? 4);
      report.sync(sync.report(), sync.notSent);
    }
    const finished = report.finish(pacer?.pacedMsAt(performance.now()));
    return history === undefined ? finished : yield* history.finish(finished);
  });
}

/**
 * A bounded queue feeding `concurrency` workers: at most that many requests are in flight and the
 * reader waits when they are busy, so memory stays flat however long the Look is.
 */
function deliverAll<E>(batches: Stream.Stream<Batch, E>, deliver: (batch: Batch) => Effect.Effect<void>, concurrency: number): Effect.Effect<void, E> {
  return Effect.gen(function* () {
    const queue = yield* Queue.bounded<Batch | null>(concurrency);
    const worker: Effect.Effect<void> = Effect.flatMap(Queue.take(queue), (batch) => (batch === null ? Effect.void : Effect.zipRight(deliver(batch), worker)));
    const workers = yield* Effect.forkAll(Array.from({ length: concurrency }, () => worker));
    yield* Stream.runForEach(batches, (batch) => Queue.offer(queue, batch)).pipe(
      // Workers stop after the batches already queued: one end marker each.
      Effect.ensuring(Effect.forEach(Array.from({ length: concurrency }, () => null), (end) => Queue.offer(queue, end), { discard: true })),
    );
    yield* Fiber.join(workers);
  });
}

/**
 * Bytes of rows a run keeps in flight per worker: measured with the bench (docs/performance.md),
 * fewer leave the worker idle between chunks (about 4,000 rows of a typical Look). More would only
 * make other runs' chunks queue longer behind this run's on a shared worker.
 */
const BYTES_IN_FLIGHT_PER_WORKER = 2 * 1024 * 1024;

/** What a chunk of parsed rows is charged: they are already objects on this thread, and measuring them would cost more than it tells. */
const PARSED_ROW_BYTES = 1024;

/** The bytes a chunk of rows holds until its result is taken. */
function chunkBytes(rows: RawRows | ReadonlyArray<LookRow>): number {
  return isRawRows(rows) ? rows.bytes.buffer.byteLength + rows.ends.byteLength + rows.offsets.byteLength : rows.length * PARSED_ROW_BYTES;
}

/** A run's share of the process's memory budget (see memory-budget.ts); unbounded without one. */
interface RunMemory {
  tryAcquire(bytes: number): boolean;
  acquire(bytes: number): Effect.Effect<void>;
  release(bytes: number): void;
}

function runMemory(budget: MemoryBudget | undefined, onWait: ((waitedMs: number, bytes: number) => void) | undefined): RunMemory {
  if (budget === undefined) return { tryAcquire: () => true, acquire: () => Effect.void, release: () => undefined };
  return {
    tryAcquire: (bytes) => budget.tryAcquire(bytes),
    acquire: (bytes) => Effect.map(budget.acquire(bytes), (waitedMs) => onWait?.(waitedMs, bytes)),
    release: (bytes) => budget.release(bytes),
  };
}

/** Where a run's rows are transformed: in order in, results in the same order out. */
interface RowStage {
  push(rows: RawRows | ReadonlyArray<LookRow>, firstRow: number): Effect.Effect<ChunkResult[]>;
  readonly finish: Effect.Effect<{ results: ChunkResult[]; packed: Packed[]; lost: LostRows[] }>;
  close(): void;
}

/** Each chunk is transformed at once, as it arrives: no rows wait in flight, so nothing is charged to the memory budget. */
function inlineStage(processor: ChunkProcessor): RowStage {
  return {
    push: (rows, firstRow) => Effect.sync(() => [isRawRows(rows) ? processor.raw(rows, firstRow) : processor.rows(rows, firstRow)]),
    finish: Effect.sync(() => {
      const last = processor.flush();
      return { results: [], packed: last === undefined ? [] : [last], lost: [] };
    }),
    close: () => undefined,
  };
}

/**
 * Keeps up to BYTES_IN_FLIGHT_PER_WORKER bytes of rows per worker in flight, the run's own and on
 * its worker over all runs (each run keeps at least its newest chunk going, so executes at once
 * take turns on a worker instead of queueing megabytes ahead of each other), and hands results
 * back in chunk order, so the report reads the same as an inline run and the reader waits when
 * the workers are busy. Counted in bytes, not rows: rows of many small objects cost far more per
 * row to hold and parse. Each chunk is charged to the memory budget
 * until its result is taken. A run collects its own results before it waits for room, so it never
 * waits while holding a charge that others wait for.
 */
function workerStage(workers: WorkerRun, threads: number, memory: RunMemory): RowStage {
  const limit = BYTES_IN_FLIGHT_PER_WORKER * threads;
  const inFlight: Array<{ readonly result: Promise<ChunkResult>; readonly bytes: number }> = [];
  let bytesInFlight = 0;
  const take = Effect.suspend(() => {
    const oldest = inFlight[0]!;
    return Effect.map(
      Effect.promise(() => oldest.result),
      (result) => {
        inFlight.shift();
        bytesInFlight -= oldest.bytes;
        memory.release(oldest.bytes);
        return result;
      },
    );
  });
  return {
    push: (rows, firstRow) =>
      Effect.gen(function* () {
        // Measured before the rows' buffer is handed (transferred) to the worker.
        const bytes = chunkBytes(rows);
        const ready: ChunkResult[] = [];
        let charged = memory.tryAcquire(bytes);
        while (!charged && inFlight.length > 0) {
          ready.push(yield* take);
          charged = memory.tryAcquire(bytes);
        }
        if (!charged) yield* memory.acquire(bytes);
        inFlight.push({ result: workers.process(rows, firstRow, bytes), bytes });
        bytesInFlight += bytes;
        while (inFlight.length > 1 && (bytesInFlight > limit || workers.workerBytesPending > limit)) ready.push(yield* take);
        return ready;
      }),
    finish: Effect.gen(function* () {
      const results: ChunkResult[] = [];
      while (inFlight.length > 0) results.push(yield* take);
      return { results, ...(yield* Effect.promise(() => workers.finish())) };
    }),
    close: () => {
      // An interrupted run gives back the charges of the chunks it will not collect.
      for (const chunk of inFlight.splice(0)) memory.release(chunk.bytes);
      bytesInFlight = 0;
      workers.close();
    },
  };
}

/**
 * The run's sync, when one is asked for and can be kept: a store, and a declaration for the mode
 * (the send's options). Otherwise the reason every row is sent. A store that cannot open the sync
 * or read its state fails the run before anything is sent.
 */
function openSync(input: RunInput, store: SyncStore | undefined, plan: Plan, fields: LookFields, run: RunContext): Effect.Effect<{ sync?: SyncRun; notSynced?: string }, StoreError> {
  const request = input.sync;
  if (request === undefined) return Effect.succeed({});
  if (store === undefined) return Effect.succeed({ notSynced: "there is no state store (TAGWIRE_DATABASE_URL=none)" });
  const mode = syncModeOf(plan.connector.manifest, plan.options);
  if (mode === undefined) return Effect.succeed({ notSynced: `${plan.connector.manifest.label} keeps no sync state for these options` });
  return Effect.map(
    SyncRun.open(store, {
      identity: { instance: request.instance, plan: request.plan, action: run.action, workspace: run.workspace },
      connector: plan.connector.id,
      mode,
      fields,
      shape: {
        options: plan.options,
        action: run.action,
        ...(input.hiddenFields !== undefined ? { hiddenFields: input.hiddenFields } : {}),
        ...(input.downstreams !== undefined ? { downstreams: input.downstreams } : {}),
      },
      request,
      dryRun: input.dryRun === true,
      sensitive: Object.fromEntries(plan.connector.manifest.settings.filter((s) => s.sensitive !== false).map((s) => [s.name, input.settings?.[s.name]])),
      fillKeys: (plan.connector.manifest.fills ?? []).map((f) => f.target.split(".")[0]!.replace("[]", "")),
    }),
    (sync) => ({ sync }),
  );
}

/**
 * Removed subjects' clearing records as requests: completed by the manifest's fills (ids of their
 * own), checked against the wire schema, packed within the API's limits. A record that cannot be
 * sent is counted as not cleared, with why.
 */
function clearingBatches(
  clears: ReadonlyArray<{ readonly key: Uint8Array; readonly record: Record_ }>,
  ctx: { readonly program: RowProgram; readonly run: RunContext; readonly packing: PackingSetup; readonly shape: RequestShape; readonly sync: SyncRun },
): Batch[] {
  if (clears.length === 0) return [];
  const packer = new RecordPacker(ctx.packing.limits, ctx.packing.room);
  const ids = new RecordIds(scopeOf(ctx.program, ctx.run));
  const digests = new Uint8Array(RECORD_DIGEST_BYTES);
  const packed: Packed[] = [];
  clears.forEach(({ key, record }, i) => {
    fillRecord(ctx.program, record, ctx.run, ids);
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

/** The run in the store's history; a history the store fails to keep is told in the report, and the run goes on. */
function runHistory(store: SyncStore, report: ReportBuilder, start: RunStart) {
  return {
    start: Effect.catchAll(store.startRun(startedRun(start)), (e) => Effect.sync(() => report.historyFailed(e.reason))),
    finish: (finished: RunReport): Effect.Effect<RunReport> =>
      store.finishRun(finishedRun(start, finished)).pipe(
        Effect.as(finished),
        Effect.catchAll((e) => Effect.succeed({ ...finished, historyError: finished.historyError ?? e.reason })),
      ),
  };
}

/** The connector as plain data, for a worker to rebuild. */
function connectorData(connector: Connector) {
  const { validateRecord: _, ...data } = connector;
  return data;
}

/** A step that reads settings: a SettingsError it throws is the run's error; anything else is a defect, not a settings problem. */
function settingsStep<A>(step: () => A): Effect.Effect<A, SettingsError> {
  return Effect.try({ try: step, catch: (e) => e }).pipe(
    Effect.catchAll((e) => (e instanceof SettingsError ? Effect.fail(e) : Effect.die(e))),
  );
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
