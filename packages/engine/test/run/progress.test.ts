// What `onProgress` tells while a run goes: figures, and what holds the send (rate limit,
// Retry-After, retries) as it happens, not only when a batch settles.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { findConnector, loadConnectors, lookSourceFromString, readLook, RunObserverService, type AttemptResult, type RunInput, type RunProgress } from "../../src/index.js";
import { field } from "../support/look-builder.js";
import { runLookAlone } from "../support/run-alone.js";

const braze = findConnector(loadConnectors(), "braze");
const settings = Object.fromEntries(braze.manifest.settings.map((s) => [s.name, s.choices?.[0]?.value ?? `key-for-${s.name}`]));

function look(count: number): string {
  const data = Array.from({ length: count }, (_, i) => ({ "users.id": { value: `u-${i + 1}` }, "users.plan": { value: "gold" } }));
  const fields = { dimensions: [field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])], measures: [], table_calculations: [], pivots: [] };
  return JSON.stringify({ id: "q", ran_at: "2026-11-01T10:00:00Z", fields, data });
}

async function progressOf(count: number, answers: (i: number) => AttemptResult, input: Partial<RunInput>): Promise<RunProgress[]> {
  const seen: RunProgress[] = [];
  let i = 0;
  const transport = { post: async () => answers(i++), close: () => undefined };
  await Effect.runPromise(
    runLookAlone({ connector: braze, look: readLook(lookSourceFromString(look(count))), settings, options: {}, env: {}, transport, onProgress: (p) => seen.push(p), ...input }),
  );
  return seen;
}

const ok: AttemptResult = { kind: "response", status: 201, headers: {}, body: "" };

describe("onProgress", () => {
  it("tells each failed answer and each retry as it happens, with the reason", async () => {
    const seen = await progressOf(50, (i) => (i < 2 ? { kind: "network", code: "ECONNREFUSED", message: "refused" } : ok), { rateLimit: "off", retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    const before = seen.filter((p) => p.delivered === 0);
    expect(before.map((p) => p.lastFailure?.reason)).toContain("network error ECONNREFUSED");
    expect(before.some((p) => p.retries === 1 && p.requests === 2)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ delivered: 50, requests: 3, retries: 2 });
  });

  it("says until when the rate limit or a Retry-After holds the send", async () => {
    const paced = await progressOf(200, () => ok, { rateLimit: { requestsPerSecond: 2 }, concurrency: 3 });
    expect(paced.some((p) => p.pacedUntil !== undefined && p.pacedUntil > Date.now() - 2_000)).toBe(true);
    const held = await progressOf(50, (i) => (i === 0 ? { kind: "response", status: 429, headers: { "retry-after": "1" }, body: "" } : ok), { rateLimit: "off" });
    // "off" turns pacing off altogether; without a limit the run still honours Retry-After.
    expect(held.some((p) => p.heldUntil !== undefined)).toBe(false);
    const heldPaced = await progressOf(50, (i) => (i === 0 ? { kind: "response", status: 429, headers: { "retry-after": "1" }, body: "" } : ok), {});
    const hold = heldPaced.find((p) => p.heldUntil !== undefined);
    expect(hold?.heldUntil).toBeGreaterThan(Date.now() - 1_500);
    expect(hold?.lastFailure?.reason).toBe("HTTP 429");
  });
});

describe("the run's observer (RunObserverService)", () => {
  it("is told of every attempt, retries included, with its status (none for a network error)", async () => {
    const attempts: Array<number | undefined> = [];
    let i = 0;
    const answers = [{ kind: "network", code: "ECONNRESET", message: "reset" } as const, { kind: "response", status: 503, headers: {}, body: "" } as const];
    const transport = { post: async () => answers[i++] ?? ok, close: () => undefined };
    const report = await Effect.runPromise(
      runLookAlone({ connector: braze, look: readLook(lookSourceFromString(look(120))), settings, options: {}, env: {}, transport, rateLimit: "off", concurrency: 1, retry: { baseDelayMs: 1, maxDelayMs: 2 } }).pipe(
        Effect.provideService(RunObserverService, { attempt: (status) => attempts.push(status), memoryWait: () => undefined }),
      ),
    );
    expect(report.rows.delivered).toBe(120);
    expect(attempts.length).toBe(report.requests.sent);
    expect(attempts.slice(0, 3)).toEqual([undefined, 503, 201]);
    expect(attempts.slice(3).every((s) => s === 201)).toBe(true);
  });
});
