import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Option from "effect/Option";
import type { Batch } from "../batch/batcher.js";
import type { RequestBody, Transport } from "./transport.js";
import { RequestValues } from "./answer-text.js";
import { CredentialsRefusedFailure, PermanentFailure, RetryableFailure, RunStoppedFailure, isRetryableStatus, parseRetryAfter, retrySchedule, type RetryPolicy, type DeliveryFailure } from "./retry.js";
import { holdFor, pace, type Pacer } from "./pacer.js";
import { describeAnswer, noAnswerRules, refusedRecordsOf, type AnswerRules, type RefusedRecord } from "./answers.js";

export interface Endpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Fields every request body carries besides the records (a key sent in the body); the batcher adds them. */
  readonly bodyFields?: Readonly<Record<string, string>>;
  /** What the API's answers say beyond their status (refused credentials, refused records). */
  readonly answers?: AnswerRules;
  /** The settings holding the credentials, named when the API refuses them (never their values). */
  readonly credentialSettings?: ReadonlyArray<string>;
  /** The credentials as they travel (values, header values, base64 pieces): taken out of any answer text kept. */
  readonly credentials?: ReadonlyArray<string>;
}

/** What became of a batch after its last attempt. */
export type BatchOutcome =
  | {
      readonly ok: true;
      readonly status: number;
      /** Records the answer named as refused. */
      readonly refused: ReadonlyArray<RefusedRecord>;
      /** Whether the API took the other records; if not, they are to be sent again without the refused ones. */
      readonly othersTaken: boolean;
    }
  | { readonly ok: false; readonly status?: number; readonly reason: string; readonly retried: boolean };

/** Counters a run keeps while it sends (attempts include retries). */
export interface SendCounters {
  onAttempt(status: number | undefined, latencyMs: number): void;
  onRetry(): void;
  /** Just before a request goes out. */
  onSend?(): void;
  /** After each attempt is classified (the run's halt and a 429's hold are set by then); `failure` unless it succeeded. */
  onAnswer?(failure?: DeliveryFailure): void;
}

/**
 * A run's stop: set by the first answer refusing the credentials, or when the run is asked to
 * stop. Every attempt after it fails with the same reason without being sent.
 */
export interface Halt {
  failure?: CredentialsRefusedFailure | RunStoppedFailure;
}

type Answered = { readonly status: number; readonly refused: ReadonlyArray<RefusedRecord>; readonly othersTaken: boolean };

const taken = (status: number, refused: ReadonlyArray<RefusedRecord> = []): Answered => ({ status, refused, othersTaken: true });

/** One attempt: the response classified into success (possibly naming refused records), retryable or permanent failure. */
function attempt(batch: Batch, endpoint: Endpoint, transport: Transport, counters: SendCounters, halt: Halt): Effect.Effect<Answered, DeliveryFailure> {
  if (halt.failure !== undefined) return Effect.fail(halt.failure);
  const rules = endpoint.answers ?? noAnswerRules;
  let sent: RequestBody = "";
  return Effect.tryPromise({
    try: async () => {
      const started = performance.now();
      sent = batch.body(new Date().toISOString());
      counters.onSend?.();
      const result = await transport.post(endpoint.url, sent, endpoint.headers);
      counters.onAttempt(result.kind === "response" ? result.status : undefined, performance.now() - started);
      return result;
    },
    catch: (e) => new RetryableFailure({ reason: `request failed: ${String(e)}` }),
  }).pipe(
    Effect.flatMap((result): Effect.Effect<Answered, DeliveryFailure> => {
      if (result.kind === "network") return Effect.fail(new RetryableFailure({ reason: `network error ${result.code}` }));
      const { status, body } = result;
      // Read (the request parsed) only if a text of the answer is kept.
      const request = new RequestValues(sent, endpoint.credentials);
      const listed = rules.refusedRecords?.answer;
      if (status >= 200 && status < 300) return Effect.succeed(taken(status, listed === "success" ? refusedRecordsOf(body, rules, batch.count, request) : []));
      if (rules.refusesCredentials(status, body)) {
        // The body is not quoted: some APIs echo the key they refused.
        const settings = endpoint.credentialSettings ?? [];
        const which = settings.length > 0 ? ` (${settings.map((s) => `\`${s}\``).join(", ")})` : "";
        const failure = new CredentialsRefusedFailure({ status, reason: `HTTP ${status}: the destination refused the credentials${which}; nothing more was sent` });
        halt.failure ??= failure;
        return Effect.fail(failure);
      }
      if (isRetryableStatus(status)) {
        const retryAfterMs = parseRetryAfter(result.headers["retry-after"]);
        return Effect.fail(new RetryableFailure({ status, reason: describeAnswer(status, result.headers, body, rules, request), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }));
      }
      if (listed === "client-error") {
        const refused = refusedRecordsOf(body, rules, batch.count, request);
        if (refused.length > 0) return Effect.succeed({ status, refused, othersTaken: false });
      }
      return Effect.fail(new PermanentFailure({ status, reason: describeAnswer(status, result.headers, body, rules, request) }));
    }),
  );
}

/** What a run shares between its batches. */
export interface RunGate {
  /** Set by the first answer refusing the credentials. */
  readonly halt?: Halt;
  /** Waited for before the pacer is asked for a turn (the run's first answer). */
  readonly ready?: Effect.Effect<void>;
}

/**
 * Sends a batch with retries; never fails: the outcome says delivered (with the records the
 * answer refused, if any) or failed, and why. With a pacer, every attempt (retries too) waits
 * its turn, and a 429's `Retry-After` holds the whole run. Once `halt` is set, nothing is sent.
 */
export function sendBatch(
  batch: Batch,
  endpoint: Endpoint,
  transport: Transport,
  policy: RetryPolicy,
  counters: SendCounters,
  pacer?: Pacer,
  gate: RunGate = {},
  schedule: RetrySchedule = retrySchedule(policy),
): Effect.Effect<BatchOutcome> {
  const halt = gate.halt ?? {};
  return Effect.suspend(() => {
    // A retry is counted when it is sent: the last failed attempt of a batch is not followed by one.
    let attempts = 0;
    let last: DeliveryFailure | undefined;
    const send = Effect.suspend(() => {
      if (halt.failure !== undefined) return Effect.fail(last === undefined ? halt.failure : notTriedAgain(last, halt.failure));
      if (attempts++ > 0) counters.onRetry();
      return attempt(batch, endpoint, transport, counters, halt).pipe(Effect.tapError((failure) => Effect.sync(() => (last = failure))));
    });
    const paced = (
      pacer === undefined ? send : pace(pacer, batch.count).pipe(Effect.zipRight(send), Effect.tapError((failure) => holdOn429(pacer, failure, policy)))
    ).pipe(
      // Told once the answer is classified and any hold it asks for is set.
      Effect.onExit((exit) => Effect.sync(() => counters.onAnswer?.(Exit.isSuccess(exit) ? undefined : Option.getOrUndefined(Cause.failureOption(exit.cause))))),
    );
    // The gate comes before the pacer, which then sees a hold the first answer may have set (a 429).
    const next = gate.ready === undefined ? paced : Effect.zipRight(gate.ready, paced);
    return next.pipe(
      Effect.retry(schedule),
      Effect.match({
        onSuccess: (answered): BatchOutcome => ({ ok: true, ...answered }),
        onFailure: (failure): BatchOutcome => ({ ok: false, reason: failure.reason, retried: attempts > 1, ...(failure.status !== undefined ? { status: failure.status } : {}) }),
      }),
    );
  });
}

/** How a batch is retried (see `retrySchedule`): built once per run. */
export type RetrySchedule = ReturnType<typeof retrySchedule>;

/** A batch tried before the run stopped keeps its last answer as the reason it failed. */
export function notTriedAgain(last: DeliveryFailure, stop: DeliveryFailure): DeliveryFailure {
  if (stop._tag !== "RunStoppedFailure") return stop;
  return new RunStoppedFailure({ reason: `${last.reason}; not tried again: the run was stopped`, ...(last.status !== undefined ? { status: last.status } : {}) });
}

/** The other workers would only collect 429s of their own until the destination's `Retry-After` has passed. */
function holdOn429(pacer: Pacer, failure: DeliveryFailure, policy: RetryPolicy): Effect.Effect<void> {
  return failure.status === 429 && failure._tag === "RetryableFailure" && failure.retryAfterMs !== undefined ? holdFor(pacer, Math.min(failure.retryAfterMs, policy.maxRetryAfterMs)) : Effect.void;
}
