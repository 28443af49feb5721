// The run's last stage: each request sent with bounded concurrency and retries, and its outcome
// settled in the report (delivered, refused records rejected, failed rows with the last reason).

import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import type { Batch } from "../batch/batcher.js";
import { sendBatch, type BatchOutcome, type Endpoint, type Halt, type RunGate, type SendCounters } from "../deliver/send-batch.js";
import { defaultRetryPolicy, retrySchedule } from "../deliver/retry.js";
import type { OpenRun } from "./open-run.js";
import type { RunInput } from "./run-input.js";
import { RunObserverService } from "./run-observer.js";
import type { RunStopping } from "./run-stop.js";
import type { SyncRun } from "../sync/sync-run.js";

/**
 * Sends the run's batches, at most `concurrency` at once, with as many more read ahead: the reader
 * keeps the senders busy, and waits when they all are, so memory stays flat however long the Look
 * is. A dry run settles each batch as delivered.
 */
export function deliverBatches(open: OpenRun, input: RunInput, halt: Halt, stopping: RunStopping, batches: Stream.Stream<Batch>): Effect.Effect<void> {
  return Effect.gen(function* () {
    const deliver = open.endpoint === undefined ? settleUnsent(open) : yield* sender(open, open.endpoint, input, halt, stopping);
    const concurrency = input.concurrency ?? open.connector.manifest.wire.concurrency ?? 4;
    // A batch is held from when it is read until it settles: `concurrency` being sent, as many ready
    // behind them. One fiber per batch, not a stream operator per batch: `Stream.mapEffect` with
    // concurrency cost a third more CPU time on a dry run (docs/performance.md).
    const held = yield* Effect.makeSemaphore(2 * concurrency);
    const senders = yield* Effect.makeSemaphore(concurrency);
    const send = (batch: Batch) => Effect.ensuring(senders.withPermits(1)(deliver(batch)), held.release(1));
    // Sends end with the scope: an interrupted run interrupts them. Every batch has settled once none is held.
    yield* Effect.scoped(Effect.zipRight(Stream.runForEach(batches, (batch) => Effect.zipRight(held.take(1), Effect.forkScoped(send(batch)))), held.take(2 * concurrency)));
  });
}

/** A dry run's batches: counted as delivered, nothing sent. */
function settleUnsent(open: OpenRun): (batch: Batch) => Effect.Effect<void> {
  return (batch) => settle(open, batch, { ok: true, status: 0, refused: [], othersTaken: true }, () => Effect.void);
}

function sender(open: OpenRun, endpoint: Endpoint, input: RunInput, halt: Halt, stopping: RunStopping): Effect.Effect<(batch: Batch) => Effect.Effect<void>> {
  return Effect.gen(function* () {
    const { tally, transport, pacer } = open;
    const observer = Option.getOrUndefined(yield* Effect.serviceOption(RunObserverService));
    const policy = { ...defaultRetryPolicy, ...input.retry };
    const schedule = retrySchedule(policy);
    // The first request goes alone: if the API refuses the credentials, that one answer stops the
    // run before the other requests go (see `halt`).
    const firstAnswer = yield* Deferred.make<void>();
    const openGate = () => Deferred.unsafeDone(firstAnswer, Exit.void);
    let firstBatch = true;
    const counters: SendCounters = {
      onAttempt: (status, ms) => {
        tally.report.attempt(status, ms);
        observer?.attempt(status, ms);
      },
      onRetry: () => tally.report.retry(),
      onAnswer: (failure) => {
        openGate();
        if (failure !== undefined && failure._tag !== "RunStoppedFailure") tally.failedAnswer(failure.reason);
        tally.tell();
      },
    };
    const afterFirstAnswer: RunGate = { halt, ready: Deferred.await(firstAnswer) };
    const send = (batch: Batch, gate: RunGate = afterFirstAnswer): Effect.Effect<void> =>
      Effect.suspend(() =>
        // Once the credentials are refused, the rows left fail at once with that reason.
        halt.failure !== undefined
          ? settle(open, batch, { ok: false, reason: halt.failure.reason, status: halt.failure.status, retried: false }, send)
          : stopping.guard(
              counters,
              (watched) => sendBatch(batch, endpoint, transport, policy, watched, pacer, gate, schedule),
              (outcome) => settle(open, batch, outcome, send),
            ),
      );
    return (batch) =>
      Effect.suspend(() => {
        if (!firstBatch) return send(batch);
        firstBatch = false;
        return send(batch, { halt }).pipe(Effect.ensuring(Effect.sync(openGate)));
      });
  });
}

/** Counts a batch's outcome; the records of a request the API took none of go again through `resend`, without those it refused. */
function settle(open: OpenRun, batch: Batch, outcome: BatchOutcome, resend: (batch: Batch) => Effect.Effect<void>): Effect.Effect<void> {
  const { report } = open.tally;
  const sync = open.sync.sync;
  if (batch.clearing === true) return sync === undefined ? Effect.void : settleClearing(sync, open, batch, outcome, resend);
  if (!outcome.ok) {
    report.batchFailed(batch.rows, outcome.reason, outcome.status, outcome.retried);
    open.tally.tell();
    return Effect.void;
  }
  for (const r of outcome.refused) report.reject(batch.rows[r.index]!, `refused by ${open.connector.manifest.label}: ${r.message}`, `named in the answer's \`${r.list}\` (HTTP ${outcome.status})`, true);
  if (outcome.othersTaken) {
    report.batchDelivered(batch.count - outcome.refused.length);
    open.tally.tell();
    // Answered and not to be sent again; a sync's confirmation below reads the digests, a buffer of their own.
    batch.release();
    // The state advances for the records the destination took, not for those it refused.
    return sync !== undefined && batch.digests !== undefined ? sync.confirm({ ...batch, digests: batch.digests }, new Set(outcome.refused.map((r) => r.index))) : Effect.void;
  }
  open.tally.tell();
  const rest = batch.without(new Set(outcome.refused.map((r) => r.index)));
  return rest === undefined ? Effect.void : resend(rest);
}

/** Clearing records are not rows of the Look: the sync counts them, and forgets a subject once its clear is taken. */
function settleClearing(sync: SyncRun, open: OpenRun, batch: Batch, outcome: BatchOutcome, resend: (batch: Batch) => Effect.Effect<void>): Effect.Effect<void> {
  if (batch.digests === undefined) return Effect.void;
  if (!outcome.ok) {
    sync.notCleared(batch.count, outcome.reason);
    return Effect.void;
  }
  for (const r of outcome.refused) sync.notCleared(1, `refused by ${open.connector.manifest.label}: ${r.message}`);
  const refused = new Set(outcome.refused.map((r) => r.index));
  if (outcome.othersTaken) return sync.cleared({ digests: batch.digests, count: batch.count }, refused);
  const rest = batch.without(refused);
  return rest === undefined ? Effect.void : resend(rest);
}
