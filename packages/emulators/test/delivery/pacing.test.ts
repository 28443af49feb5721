// Pacing end to end: runs into the emulators with a rate limit, timed by the recording transport
// (a request's send time; the emulator, on loopback, receives it within the same millisecond or so).

import { describe, expect, it } from "vitest";
import { summarize } from "@tagwire/engine";
import { braze, deliver, expectAddsUp, field, lookText, mparticle, recordingTransport, recordsOf, useEmulators, type SentRequest } from "./support.js";

const ctx = useEmulators({ start: { connectors: ["braze", "mparticle"] }, clearFaults: ["braze", "mparticle"] });

/** Braze takes 50 objects per request, so a Look of 50·n small rows makes n requests. */
const brazeLook = (requests: number) =>
  lookText({ fields: [field("users.id", ["braze_id"]), field("users.score", ["braze_attribute"])], rows: (n) => ({ "users.id": `user-${n}`, "users.score": n }), count: requests * 50 });

const mparticleLook = (rows: number) => lookText({ fields: [field("users.email", ["mp_email"])], rows: (n) => ({ "users.email": `u${n}@example.com` }), count: rows });

/** The most of `weight` in any window of `ms` (window [t, t + ms)), over requests sorted by send time. */
function busiestWindow(requests: ReadonlyArray<SentRequest>, ms = 1000, weight: (r: SentRequest) => number = () => 1): number {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  let most = 0;
  let inWindow = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    inWindow += weight(sorted[i]!);
    while (sorted[i]!.startedAt - sorted[j]!.startedAt >= ms) inWindow -= weight(sorted[j++]!);
    most = Math.max(most, inWindow);
  }
  return most;
}

describe("a rate limit for the destination", () => {
  it("50 requests/s: a burst of 50, then 50 per second; every row delivered", async () => {
    const report = await deliver(ctx.emulators, braze, brazeLook(125), { transport: ctx.transport, rateLimit: { requestsPerSecond: 50 } });

    expect(report.rows).toEqual({ read: 6250, delivered: 6250, rejected: 0, failed: 0 });
    expectAddsUp(report);
    const sent = ctx.transport.requests;
    expect(sent).toHaveLength(125);
    expect(ctx.emulators.state()["braze"]!.requests).toBe(125);
    // Any second: at most the limit plus the one-second burst.
    expect(busiestWindow(sent)).toBeLessThanOrEqual(100);
    // By t seconds at most 50 + 50·t requests can have gone: the 125th no earlier than 1.5 s after the first.
    const times = sent.map((r) => r.startedAt);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1450);
    // All of that visible in the report from the moment the limit began to hold requests back: the
    // first request after the burst sent on the bucket's schedule. The first request goes alone (refused
    // credentials stop a run after one request), so the burst starts again at its answer, when the
    // second goes, if the bucket refilled meanwhile. How fast the burst goes out is the machine's doing.
    const sorted = [...times].sort((a, b) => a - b);
    const [first, second] = [sorted[0]!, sorted[1]!];
    const onSchedule = (t: number, i: number) => t <= Math.max(first + (i - 49) * 20, second + (i - 50) * 20) + 25;
    const heldFrom = sorted.find((t, i) => i > 50 && onSchedule(t, i));
    expect(heldFrom).toBeDefined();
    expect(report.requests.pacedMs).toBeGreaterThanOrEqual(sorted.at(-1)! - heldFrom! - 50);
    expect(report.requests.pacedMs).toBeLessThanOrEqual(report.durationMs);
  });

  it("two runs to the same workspace at once keep the limit together", async () => {
    const [first, second] = await Promise.all([
      deliver(ctx.emulators, braze, brazeLook(50), { transport: ctx.transport, rateLimit: { requestsPerSecond: 50 }, runId: "run-a" }),
      deliver(ctx.emulators, braze, brazeLook(50), { transport: ctx.transport, rateLimit: { requestsPerSecond: 50 }, runId: "run-b" }),
    ]);

    expect(first.rows.delivered + second.rows.delivered).toBe(5000);
    const sent = ctx.transport.requests;
    expect(sent).toHaveLength(100);
    expect(busiestWindow(sent)).toBeLessThanOrEqual(100);
    // 50 at once, then 50 per second for both: the 100th no earlier than 1 s after the first.
    const times = sent.map((r) => r.startedAt);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(950);
    expect(first.requests.pacedMs + second.requests.pacedMs).toBeGreaterThanOrEqual(900);
  });

  it('"off": the same Look goes out as fast as the concurrency allows', async () => {
    const report = await deliver(ctx.emulators, braze, brazeLook(125), { transport: ctx.transport, rateLimit: "off" });

    expect(report.rows.delivered).toBe(6250);
    expect(busiestWindow(ctx.transport.requests)).toBeGreaterThan(100);
    expect(report.requests.pacedMs).toBe(0);
  });

  it("by default the manifest's limit applies: 270 records/s for mParticle, a 500-row Look takes about 0.85 s", async () => {
    const report = await deliver(ctx.emulators, mparticle, mparticleLook(500), { transport: ctx.transport, rateLimit: undefined });

    expect(report.rows).toEqual({ read: 500, delivered: 500, rejected: 0, failed: 0 });
    const records = (r: SentRequest) => recordsOf(r).length;
    expect(ctx.transport.requests.map(records)).toEqual([100, 100, 100, 100, 100]);
    // 270 records at once (two requests, the third as soon as 100 are back), then 270 per second.
    expect(busiestWindow(ctx.transport.requests, 1000, records)).toBeLessThanOrEqual(540);
    expect(report.requests.pacedMs).toBeGreaterThanOrEqual(800);
    expect(summarize(report)).toMatch(/ requests, 0 retries, \d+\.\d s \(0\.[89] s of it paced by the rate limit or a Retry-After\)\.$/);
  });
});

describe("a 429 with Retry-After holds the whole run", () => {
  /**
   * One 429 asking for 1 s among the first requests (seed 127 draws it first, then no other before the
   * faults are cleared), then a healthy destination: 4 workers, 20 requests.
   */
  async function runWith429(rateLimit: "off" | undefined) {
    ctx.emulators.setFaults("braze", { statusRates: { 429: 0.3 }, retryAfterSeconds: 1, seed: 127 });
    let answeredAt = 0;
    ctx.transport = recordingTransport(undefined, (request) => {
      if (request.status === 429 && answeredAt === 0) {
        answeredAt = performance.now();
        ctx.emulators.setFaults("braze", {});
      }
    });
    const report = await deliver(ctx.emulators, braze, brazeLook(20), { transport: ctx.transport, rateLimit });
    expect(report.rows.delivered).toBe(1000);
    expect(report.requests.byStatus["429"]).toBe(1);
    // Requests started after the 429 came back, and how long after.
    const later = ctx.transport.requests.filter((r) => r.startedAt > answeredAt).map((r) => r.startedAt - answeredAt);
    return { report, later };
  }

  it("paced (Braze's declared limit): no worker sends again until the second has passed", async () => {
    const { report, later } = await runWith429(undefined);
    expect(later.length).toBeGreaterThan(0);
    expect(Math.min(...later)).toBeGreaterThanOrEqual(950);
    expect(report.requests.pacedMs).toBeGreaterThanOrEqual(900);
  });

  it('"off": the other workers keep sending during that second', async () => {
    const { later } = await runWith429("off");
    expect(later.filter((ms) => ms < 900).length).toBeGreaterThan(0);
  });
});
