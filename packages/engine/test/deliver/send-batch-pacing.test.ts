// sendBatch with a pacer: what each attempt is charged, and the hold a 429 puts on the run. The
// transport is a stub answering from a script; the pacer is real, watched through a subclass.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/batcher.js";
import { Pacer } from "../../src/deliver/pacer.js";
import { defaultRetryPolicy } from "../../src/deliver/retry.js";
import { sendBatch } from "../../src/deliver/send-batch.js";
import type { AttemptResult, Transport } from "../../src/deliver/transport.js";

const batch = (count: number): Batch => ({ rows: Array.from({ length: count }, (_, i) => i + 1), count, bytes: 10, body: () => "[]", without: () => undefined, release: () => undefined });
const endpoint = { url: "http://127.0.0.1:1/v1/batch", headers: {} };
const counters = { onAttempt: () => undefined, onRetry: () => undefined };
const policy = { ...defaultRetryPolicy, baseDelayMs: 1, maxDelayMs: 5 };

/** Answers in order, the last answer repeating. */
function scripted(...answers: Array<{ status: number; retryAfter?: string }>): Transport {
  let i = 0;
  return {
    async post(): Promise<AttemptResult> {
      const a = answers[Math.min(i++, answers.length - 1)]!;
      return { kind: "response", status: a.status, headers: a.retryAfter !== undefined ? { "retry-after": a.retryAfter } : {}, body: "" };
    },
    close: () => undefined,
  };
}

class WatchedPacer extends Pacer {
  readonly charges: number[] = [];
  readonly holds: number[] = [];
  override reserve(records: number, nowMs: number): number {
    this.charges.push(records);
    return super.reserve(records, nowMs);
  }
  override hold(untilMs: number): void {
    this.holds.push(untilMs - performance.now());
    super.hold(untilMs);
  }
}

describe("sendBatch with a pacer", () => {
  it("charges every attempt, retries included: one request and the batch's records each", async () => {
    const pacer = new WatchedPacer({ recordsPerSecond: 10_000 });
    const outcome = await Effect.runPromise(sendBatch(batch(40), endpoint, scripted({ status: 503 }, { status: 500 }, { status: 202 }), policy, counters, pacer));
    expect(outcome).toEqual({ ok: true, status: 202, refused: [], othersTaken: true });
    expect(pacer.charges).toEqual([40, 40, 40]);
    expect(pacer.holds).toEqual([]);
  });

  it("a 429 with Retry-After holds the pacer for that long, shortened to the policy's maxRetryAfterMs", async () => {
    const pacer = new WatchedPacer();
    await Effect.runPromise(sendBatch(batch(5), endpoint, scripted({ status: 429, retryAfter: "0" }, { status: 200 }), policy, counters, pacer));
    expect(pacer.holds).toHaveLength(1);
    expect(pacer.holds[0]).toBeCloseTo(0, -1);

    const capped = new WatchedPacer();
    await Effect.runPromise(sendBatch(batch(5), endpoint, scripted({ status: 429, retryAfter: "30" }, { status: 200 }), { ...policy, maxRetryAfterMs: 150 }, counters, capped));
    expect(capped.holds).toHaveLength(1);
    expect(capped.holds[0]).toBeGreaterThan(100);
    expect(capped.holds[0]).toBeLessThanOrEqual(150);
  });

  it("a 429 without Retry-After, or a 503 with one, does not hold the run", async () => {
    const pacer = new WatchedPacer();
    await Effect.runPromise(sendBatch(batch(5), endpoint, scripted({ status: 429 }, { status: 503, retryAfter: "0" }, { status: 200 }), policy, counters, pacer));
    expect(pacer.charges).toEqual([5, 5, 5]);
    expect(pacer.holds).toEqual([]);
  });

  it("waits its turn: with 2 requests/s the third attempt goes about 500 ms after the first", async () => {
    const pacer = new Pacer({ requestsPerSecond: 2 });
    const started = performance.now();
    await Effect.runPromise(sendBatch(batch(1), endpoint, scripted({ status: 503 }, { status: 503 }, { status: 200 }), policy, counters, pacer));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(1500);
    expect(pacer.pacedMs).toBeGreaterThanOrEqual(480);
  });
});
