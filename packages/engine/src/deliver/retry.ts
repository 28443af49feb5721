import * as Data from "effect/Data";
import * as Duration from "effect/Duration";
import * as Schedule from "effect/Schedule";

/** How hard a batch is tried before it is reported failed. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is shortened to it. */
  readonly maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 };

/** An answer worth another try: network errors, 408, 429 and 5xx. */
export class RetryableFailure extends Data.TaggedError("RetryableFailure")<{
  readonly status?: number;
  readonly reason: string;
  readonly retryAfterMs?: number;
}> {}

/** An answer that will not change on retry: other 4xx. */
export class PermanentFailure extends Data.TaggedError("PermanentFailure")<{
  readonly status: number;
  readonly reason: string;
}> {}

/** An answer that refuses the credentials or the workspace: the run sends nothing more. */
export class CredentialsRefusedFailure extends Data.TaggedError("CredentialsRefusedFailure")<{
  readonly status: number;
  readonly reason: string;
}> {}

/** The run was asked to stop: nothing more is sent. `status` is the last answer's, when the batch had one. */
export class RunStoppedFailure extends Data.TaggedError("RunStoppedFailure")<{
  readonly status?: number;
  readonly reason: string;
}> {}

export type DeliveryFailure = RetryableFailure | PermanentFailure | CredentialsRefusedFailure | RunStoppedFailure;

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with jitter, capped, for at most `maxRetries` retries; a `Retry-After`
 * from the API replaces the computed delay; permanent failures stop at once. A schedule is a
 * description, not state: a run builds it once and every batch retries by it.
 */
export function retrySchedule(policy: RetryPolicy) {
  return Schedule.exponential(Duration.millis(policy.baseDelayMs), 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.millis(policy.maxDelayMs))),
    Schedule.intersect(Schedule.recurs(policy.maxRetries)),
    Schedule.intersect(Schedule.identity<DeliveryFailure>()),
    Schedule.modifyDelay(([, failure], delay) =>
      failure._tag === "RetryableFailure" && failure.retryAfterMs !== undefined
        ? Duration.millis(Math.min(failure.retryAfterMs, policy.maxRetryAfterMs))
        : delay,
    ),
    Schedule.whileInput((failure: DeliveryFailure) => failure._tag === "RetryableFailure"),
  );
}
