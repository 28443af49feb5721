import * as Effect from "effect/Effect";
import type { Batch } from "../batch/batcher.js";
import type { RequestBody, Transport } from "./transport.js";
import { withoutRequestValues } from "./answer-text.js";
import { PermanentFailure, RetryableFailure, isRetryableStatus, parseRetryAfter, retrySchedule, type RetryPolicy, type DeliveryFailure } from "./retry.js";
import { holdFor, pace, type Pacer } from "./pacer.js";

export interface Endpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Fields every request body carries besides the records (a key sent in the body); the batcher adds them. */
  readonly bodyFields?: Readonly<Record<string, string>>;
}

/** What became of a batch after its last attempt. */
export type BatchOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status?: number; readonly reason: string };

/** Counters a run keeps while it sends (attempts include retries). */
export interface SendCounters {
  onAttempt(status: number | undefined, latencyMs: number): void;
  onRetry(): void;
}

/** One attempt: the response classified into success, retryable or permanent failure. */
function attempt(batch: Batch, endpoint: Endpoint, transport: Transport, counters: SendCounters): Effect.Effect<number, DeliveryFailure> {
  let body: RequestBody = "";
  return Effect.tryPromise({
    try: async () => {
      const started = performance.now();
      body = batch.body(new Date().toISOString());
      const result = await transport.post(endpoint.url, body, endpoint.headers);
      counters.onAttempt(result.kind === "response" ? result.status : undefined, performance.now() - started);
      return result;
    },
    catch: (e) => new RetryableFailure({ reason: `request failed: ${String(e)}` }),
  }).pipe(
    Effect.flatMap((result): Effect.Effect<number, DeliveryFailure> => {
      if (result.kind === "network") return Effect.fail(new RetryableFailure({ reason: `network error ${result.code}` }));
      const { status } = result;
      if (status >= 200 && status < 300) return Effect.succeed(status);
      const reason = `HTTP ${status}${describeBody(result.body, body)}`;
      if (isRetryableStatus(status)) {
        const retryAfterMs = parseRetryAfter(result.headers["retry-after"]);
        return Effect.fail(new RetryableFailure({ status, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }));
      }
      return Effect.fail(new PermanentFailure({ status, reason }));
    }),
  );
}

/**
 * Sends a batch with retries; never fails: the outcome says delivered or failed, and why. With a
 * pacer, every attempt (retries too) waits its turn, and a 429's `Retry-After` holds the whole run.
 */
export function sendBatch(batch: Batch, endpoint: Endpoint, transport: Transport, policy: RetryPolicy, counters: SendCounters, pacer?: Pacer): Effect.Effect<BatchOutcome> {
  return Effect.suspend(() => {
    // A retry is counted when it is sent: the last failed attempt of a batch is not followed by one.
    let attempts = 0;
    const send = Effect.suspend(() => {
      if (attempts++ > 0) counters.onRetry();
      return attempt(batch, endpoint, transport, counters);
    });
    const next =
      pacer === undefined ? send : pace(pacer, batch.count).pipe(Effect.zipRight(send), Effect.tapError((failure) => holdOn429(pacer, failure, policy)));
    return next.pipe(
      Effect.retry(retrySchedule(policy)),
      Effect.match({
        onSuccess: (status): BatchOutcome => ({ ok: true, status }),
        onFailure: (failure): BatchOutcome => ({ ok: false, reason: failure.reason, ...(failure.status !== undefined ? { status: failure.status } : {}) }),
      }),
    );
  });
}

/** The other workers would only collect 429s of their own until the destination's `Retry-After` has passed. */
function holdOn429(pacer: Pacer, failure: DeliveryFailure, policy: RetryPolicy): Effect.Effect<void> {
  return Effect.sync(() => {
    if (failure.status === 429 && failure._tag === "RetryableFailure" && failure.retryAfterMs !== undefined) holdFor(pacer, Math.min(failure.retryAfterMs, policy.maxRetryAfterMs));
  });
}

/** The API's own error text, short: `{"errors":[{"message"}]}` or `{"message"}`, without anything the request carried. */
function describeBody(body: string, request: RequestBody): string {
  if (body.trim() === "") return "";
  let text: string | undefined;
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ message?: string }>; message?: string };
    text = parsed.errors?.map((e) => e.message).filter(Boolean).join("; ") || parsed.message;
  } catch {
    text = body;
  }
  // Cut before the request's values are taken out (an answer can be 64 KB), and again after.
  return typeof text === "string" && text !== "" ? `: ${clip(withoutRequestValues(text.slice(0, 4 * MAX_SHOWN), request))}` : "";
}

/** Characters of a destination's answer a report shows. */
const MAX_SHOWN = 300;
const clip = (text: string) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text);
