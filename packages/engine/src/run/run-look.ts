import { randomUUID } from "node:crypto";
// Effect's module subpaths, here and across the engine: its index loads every module, about 16 MB
// more resident memory in each server process.
import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import * as Queue from "effect/Queue";
import * as Stream from "effect/Stream";
import type { Connector } from "../manifest/connector.js";
import type { LookEvent } from "../look/read-look.js";
import type { LookRow } from "../look/types.js";
import { plan as makePlan } from "../plan/plan.js";
import type { Plan } from "../plan/types.js";
import { transformRow, Rejection, type RowWarning, type RunContext } from "../transform/transform.js";
import { Batcher, type Batch } from "../batch/batcher.js";
import { createTransport, type Transport } from "../deliver/transport.js";
import { sendBatch, type BatchOutcome } from "../deliver/send-batch.js";
import { defaultRetryPolicy, type RetryPolicy } from "../deliver/retry.js";
import { ReportBuilder, type RunReport } from "./report.js";
import { PlanRejected, SettingsError, SourceError } from "./errors.js";
import { requestBodyFields, resolveEndpoint, resolveSettings, type Env } from "./endpoint.js";

export interface RunProgress {
  readonly read: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly requests: number;
  readonly retries: number;
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
  /** Same run id, same record ids: a replayed run is deduplicated downstream. Random when absent. */
  readonly runId?: string;
  /** Where `TAGWIRE_<ID>_URL` is read from (defaults to the process environment). */
  readonly env?: Env;
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly transport?: Transport;
  /** Validate every record against the connector's wire schema before sending (default on). */
  readonly validateRecords?: boolean;
  /** Transform and batch, send nothing. */
  readonly dryRun?: boolean;
  readonly onPlan?: (plan: Plan) => void;
  /** Called after each chunk of rows is read and after each batch settles. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Every HTTP attempt (retries included): status (undefined on a network error) and latency. */
  readonly onRequest?: (status: number | undefined, latencyMs: number) => void;
}

let sharedTransport: Transport | undefined;

/**
 * The whole job: read the Look's fields, plan, then stream rows through transform and batching
 * into delivery with bounded concurrency. Fails only before anything is sent (bad plan, missing
 * settings, unreadable Look); once rows flow, every outcome lands in the report.
 */
export function runLook(input: RunInput): Effect.Effect<RunReport, PlanRejected | SettingsError | SourceError> {
  return Effect.gen(function* () {
    const { connector } = input;
    const iterator = input.look[Symbol.asyncIterator]();
    const first = yield* Effect.tryPromise({ try: () => iterator.next(), catch: (e) => new SourceError({ reason: errorText(e) }) });
    if (first.done === true || first.value.kind !== "header") {
      return yield* Effect.fail(new SourceError({ reason: "the Look has no fields: is it a json_detail result?" }));
    }
    const header = first.value.header;
    const plan = makePlan(connector, {
      fields: header.fields,
      ...(input.hiddenFields ? { hiddenFields: input.hiddenFields } : {}),
      ...(input.options ? { options: input.options } : {}),
      ...(input.action ? { action: input.action } : {}),
      ...(input.downstreams ? { downstreams: input.downstreams } : {}),
    });
    input.onPlan?.(plan);
    if (!plan.ok) return yield* Effect.fail(new PlanRejected({ plan }));
    // A dry run sends nothing, so it needs no credentials.
    const endpoint = input.dryRun
      ? undefined
      : yield* Effect.try({
          try: () => resolveEndpoint(connector, resolveSettings(connector, input.settings ?? {}), plan.options, input.env ?? process.env),
          catch: (e) => e as SettingsError,
        });

    const runId = input.runId ?? randomUUID();
    const ranAtMs = header.ranAt !== undefined && !Number.isNaN(Date.parse(header.ranAt)) ? Date.parse(header.ranAt) : Date.now();
    const run: RunContext = { runId, ranAt: header.ranAt ?? new Date(ranAtMs).toISOString(), ranAtMs };
    const report = new ReportBuilder({
      connector: connector.id, label: connector.manifest.label, runId, dryRun: input.dryRun === true, diagnostics: plan.diagnostics,
      ...(plan.action ? { action: plan.action.name } : {}),
    });
    const program = input.validateRecords === false ? { ...plan.program, validateRecord: undefined } : plan.program;
    // A dry run has no endpoint: body fields are sized from the settings given, if any.
    const bodyFields = endpoint?.bodyFields ?? requestBodyFields(connector, input.settings ?? {});
    const batcher = new Batcher(connector.manifest.wire.limits, connector.manifest.wire.envelope, bodyFields);
    const maxRecordBytes = batcher.maxRecordBytes;
    const warnings: RowWarning[] = [];

    const toBatches = (rows: ReadonlyArray<LookRow>): Batch[] => {
      const closed: Batch[] = [];
      for (const row of rows) {
        const n = report.rowRead();
        const result = transformRow(program, row, n, run, warnings);
        if (warnings.length > 0) {
          for (const w of warnings) report.warn(w.rowNumber, w.reason, w.detail);
          warnings.length = 0;
        }
        if (result instanceof Rejection) {
          report.reject(n, result.reason, result.detail);
          continue;
        }
        const json = JSON.stringify(result);
        const bytes = Buffer.byteLength(json);
        if (bytes > maxRecordBytes) {
          report.reject(n, `record larger than the ${maxRecordBytes.toLocaleString("en-US")} bytes ${connector.manifest.label} accepts`, `record is ${bytes.toLocaleString("en-US")} bytes`);
          continue;
        }
        const batch = batcher.add(json, bytes, n);
        if (batch !== undefined) closed.push(batch);
      }
      input.onProgress?.(report.progress);
      return closed;
    };

    const transport = input.transport ?? (sharedTransport ??= createTransport());
    const policy = { ...defaultRetryPolicy, ...input.retry };
    const counters = {
      onAttempt: (status: number | undefined, ms: number) => {
        report.attempt(status, ms);
        input.onRequest?.(status, ms);
      },
      onRetry: () => report.retry(),
    };
    const settle = (batch: Batch, outcome: BatchOutcome) => {
      if (outcome.ok) report.batchDelivered(batch.count);
      else report.batchFailed(batch.rows, outcome.reason, outcome.status);
      input.onProgress?.(report.progress);
    };
    const deliver = (batch: Batch): Effect.Effect<void> =>
      endpoint === undefined
        ? Effect.sync(() => settle(batch, { ok: true, status: 0 }))
        : sendBatch(batch, endpoint, transport, policy, counters).pipe(Effect.map((outcome) => settle(batch, outcome)));

    const rest: AsyncIterable<LookEvent> = { [Symbol.asyncIterator]: () => iterator };
    const batches = Stream.fromAsyncIterable(rest, (e) => new SourceError({ reason: errorText(e) })).pipe(
      // A Look that breaks off mid-way still has its read rows delivered and accounted for.
      Stream.catchAll((e) => {
        report.sourceFailed(e.reason);
        return Stream.empty;
      }),
      Stream.mapConcat((event) => (event.kind === "rows" ? toBatches(event.rows) : [])),
      Stream.concat(Stream.suspend(() => Stream.fromIterable(lastBatch(batcher)))),
    );
    yield* deliverAll(batches, deliver, input.concurrency ?? connector.manifest.wire.concurrency ?? 4);
    return report.finish();
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

function lastBatch(batcher: Batcher): Batch[] {
  const b = batcher.flush();
  return b === undefined ? [] : [b];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
