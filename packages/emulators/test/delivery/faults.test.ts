// Delivery under injected faults: every valid row arrives exactly once, the report adds up, and a
// destination that stays down is reported row by row, never as a success.

import { describe, expect, it } from "vitest";
import { createTransport } from "@tagwire/engine";
import {
  deliver,
  expectAddsUp,
  field,
  lookText,
  mparticle,
  recordingTransport,
  recordsOf,
  segment,
  uniqueIds,
  useEmulators,
  type RecordingTransport,
} from "./support.js";

const ctx = useEmulators({ clearFaults: ["mparticle", "segment"] });

const pad = (n: number) => String(n).padStart(5, "0");

/** Every 10th row has no identity and is rejected before sending; the others are valid. */
const mpLook = (count: number) =>
  lookText({
    fields: [field("users.email", ["mp_email"]), field("users.city")],
    rows: (i) => ({ "users.email": (i + 1) % 10 === 0 ? null : `u${pad(i + 1)}@example.com`, "users.city": "Lyon" }),
    count,
  });

const segLook = (count: number, bioBytes = 20) =>
  lookText({
    fields: [field("users.id", ["user_id"]), field("users.bio")],
    rows: (i) => ({ "users.id": (i + 1) % 10 === 0 ? null : `u${pad(i + 1)}`, "users.bio": "b".repeat(bioBytes) }),
    count,
  });

/** Records in requests that got no answer: the API may have accepted them, so their retry may be counted as a duplicate. */
const recordsInUnansweredRequests = (t: RecordingTransport) =>
  t.requests.filter((r) => r.status === undefined).reduce((n, r) => n + recordsOf(r).length, 0);

describe("30% of requests answered 429/503, 10% of connections dropped, latency", () => {
  const faults = { statusRates: { 429: 0.15, 503: 0.15 }, dropRate: 0.1, latencyMs: 3, retryAfterSeconds: null };

  it("mParticle: every valid row is accepted exactly once and the report adds up", async () => {
    ctx.emulators.setFaults("mparticle", { ...faults, seed: 7 });
    const report = await deliver(ctx.emulators, mparticle, mpLook(3000), { transport: ctx.transport, retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetries: 15 } });

    const valid = 2700;
    expect(report.rows).toEqual({ read: 3000, delivered: valid, rejected: 300, failed: 0 });
    expectAddsUp(report);
    const state = ctx.emulators.state()["mparticle"]!;
    expect(state.accepted).toBe(valid);
    expect(uniqueIds(ctx.emulators.records("mparticle"), "source_request_id").size).toBe(valid);
    // A dropped connection is cut before the emulator reads the request, so nothing is counted twice here.
    expect(state.duplicates).toBeLessThanOrEqual(recordsInUnansweredRequests(ctx.transport));

    // Faults really happened, and each was retried.
    expect(state.faults["429"]).toBeGreaterThan(0);
    expect(state.faults["503"]).toBeGreaterThan(0);
    expect(state.faults["drop"]).toBeGreaterThan(0);
    expect(report.requests.retries).toBeGreaterThan(0);
    expect(report.requests.byStatus["network"]).toBe(state.faults["drop"]);
    expect(report.requests.byStatus["429"]).toBe(state.faults["429"]);
    expect(report.requests.byStatus["503"]).toBe(state.faults["503"]);
    // Each batch succeeds once; every other attempt was a retry.
    const batches = Math.ceil(valid / 100);
    expect(report.requests.byStatus["202"]).toBe(batches);
    expect(report.requests.sent).toBe(ctx.transport.requests.length);
    expect(report.requests.sent).toBe(state.requests);
    expect(report.requests.retries).toBe(report.requests.sent - batches);
    expect(report.success).toBe(false); // rows were rejected
    expect(report.rejected).toEqual([expect.objectContaining({ count: 300 })]);
  });

  it("Segment: every valid row is accepted exactly once and the report adds up", async () => {
    ctx.emulators.setFaults("segment", { ...faults, seed: 11 });
    // 5 KB messages: about 100 per request, so about 20 requests.
    const report = await deliver(ctx.emulators, segment, segLook(2000, 5000), { transport: ctx.transport, retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetries: 15 } });

    const valid = 1800;
    expect(report.rows).toEqual({ read: 2000, delivered: valid, rejected: 200, failed: 0 });
    expectAddsUp(report);
    const state = ctx.emulators.state()["segment"]!;
    expect(state.accepted).toBe(valid);
    expect(state.dropped).toBe(0);
    expect(uniqueIds(ctx.emulators.records("segment"), "messageId").size).toBe(valid);
    expect(state.duplicates).toBeLessThanOrEqual(recordsInUnansweredRequests(ctx.transport));
    expect(report.requests.retries).toBeGreaterThan(0);
    expect(state.faults["drop"]! + state.faults["429"]! + state.faults["503"]!).toBe(report.requests.retries);
    expect(report.requests.sent).toBe(state.requests);
  });
});

describe("retry policy", () => {
  it("honours Retry-After: one 429 asking for 1 s delays the retry by about a second", async () => {
    ctx.emulators.setFaults("segment", { statusRates: { 429: 1 }, retryAfterSeconds: 1 });
    // The destination recovers once the 429 is answered.
    ctx.transport = recordingTransport(undefined, (_, i) => {
      if (i === 0) ctx.emulators.setFaults("segment", {});
    });
    const report = await deliver(ctx.emulators, segment, segLook(5), { transport: ctx.transport });

    expect(ctx.transport.requests.map((r) => r.status)).toEqual([429, 200]);
    const gap = ctx.transport.requests[1]!.startedAt - ctx.transport.requests[0]!.startedAt;
    // The fast test policy alone would retry within 50 ms.
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(report.durationMs).toBeGreaterThanOrEqual(950);
    expect(report.requests).toMatchObject({ sent: 2, retries: 1, byStatus: { "429": 1, "200": 1 } });
    expect(report.rows).toEqual({ read: 5, delivered: 5, rejected: 0, failed: 0 });
    expect(report.success).toBe(true);
    expect(ctx.emulators.state()["segment"]!.accepted).toBe(5);
  });

  it("does not retry a 400: one request per batch, rows failed with the status and the API's message", async () => {
    ctx.emulators.setFaults("mparticle", { failAll: 400 });
    const report = await deliver(ctx.emulators, mparticle, mpLook(250), { transport: ctx.transport });

    // 225 valid rows: batches of 100, 100, 25, each tried once.
    expect(ctx.transport.requests.map((r) => recordsOf(r).length).sort((a, b) => b - a)).toEqual([100, 100, 25]);
    expect(report.requests).toMatchObject({ sent: 3, retries: 0, byStatus: { "400": 3 } });
    expect(report.rows).toEqual({ read: 250, delivered: 0, rejected: 25, failed: 225 });
    expect(report.failed).toEqual([{ reason: "HTTP 400: injected fault: 400", status: 400, count: 225, retried: false, rows: expect.any(String) }]);
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });

  it("does not retry wrong credentials (403): the answer stops the run and names the setting", async () => {
    const report = await deliver(ctx.emulators, segment, segLook(20), { transport: ctx.transport, settings: { segment_write_key: "not-the-key" } });
    expect(report.requests).toMatchObject({ sent: 1, retries: 0, byStatus: { "403": 1 } });
    expect(report.failed).toEqual([
      { reason: "HTTP 403: the destination refused the credentials (`segment_write_key`); nothing more was sent", status: 403, count: 18, retried: false, rows: "1-9, 11-19" },
    ]);
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });

  it("wrong credentials with many requests' worth of rows: one request, then every row fails at once", async () => {
    const report = await deliver(ctx.emulators, mparticle, mpLook(2500), { transport: ctx.transport, settings: { apiKey: "wrong", apiSecret: "wrong" }, concurrency: 8 });
    expect(ctx.transport.requests).toHaveLength(1);
    expect(ctx.emulators.state()["mparticle"]!.requests).toBe(1);
    expect(report.rows).toEqual({ read: 2500, delivered: 0, rejected: 250, failed: 2250 });
    expect(report.failed.map((g) => [g.status, g.reason, g.retried])).toEqual([[403, "HTTP 403: the destination refused the credentials (`apiKey`, `apiSecret`); nothing more was sent", false]]);
    expectAddsUp(report);
  });

  it("retries a request that timed out as a network error", async () => {
    // The first answer comes after the transport's 200 ms timeout; then the destination is fast again.
    ctx.emulators.setFaults("segment", { latencyMs: 600 });
    ctx.transport = recordingTransport(createTransport({ timeoutMs: 200 }), (_, i) => {
      if (i === 0) ctx.emulators.setFaults("segment", {});
    });
    const report = await deliver(ctx.emulators, segment, segLook(30), { transport: ctx.transport });

    expect(ctx.transport.requests.map((r) => r.status)).toEqual([undefined, 200]);
    expect(report.requests).toMatchObject({ sent: 2, retries: 1, byStatus: { network: 1, "200": 1 } });
    expect(report.rows).toEqual({ read: 30, delivered: 27, rejected: 3, failed: 0 });
    expect(report.success).toBe(false);
    expectAddsUp(report);
    // The slow request may still have been taken in after the engine gave up on it: then its
    // retry is a duplicate the emulator recognises, and each message is still kept once.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const state = ctx.emulators.state()["segment"]!;
    expect(state.accepted).toBe(27);
    expect(uniqueIds(ctx.emulators.records("segment"), "messageId").size).toBe(27);
    expect([0, 27]).toContain(state.duplicates);
  });
});

describe("a destination that stays down", () => {
  it("mParticle answering 503 to everything: every row failed with status 503, rows named, no success", async () => {
    ctx.emulators.setFaults("mparticle", { failAll: 503 });
    const report = await deliver(ctx.emulators, mparticle, mpLook(250), { transport: ctx.transport, retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 2 } });

    // Three batches, each tried three times (two retries).
    expect(report.requests).toMatchObject({ sent: 9, retries: 6, byStatus: { "503": 9 } });
    expect(report.rows).toEqual({ read: 250, delivered: 0, rejected: 25, failed: 225 });
    expect(report.failed).toEqual([
      {
        reason: "HTTP 503: injected fault: 503",
        status: 503,
        count: 225,
        retried: true,
        // Rows 10, 20, ... were rejected (no identity), so the failed rows are the ranges between them.
        rows: Array.from({ length: 25 }, (_, k) => `${k * 10 + 1}-${k * 10 + 9}`).join(", "),
      },
    ]);
    expect(report.success).toBe(false);
    expect(ctx.emulators.state()["mparticle"]!.accepted).toBe(0);
    expectAddsUp(report);
  });

  it("Segment with every connection dropped: rows failed as network errors", async () => {
    ctx.emulators.setFaults("segment", { dropRate: 1 });
    const report = await deliver(ctx.emulators, segment, segLook(10), { transport: ctx.transport, retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 1 } });
    expect(report.requests).toMatchObject({ sent: 2, retries: 1, byStatus: { network: 2 } });
    expect(report.failed).toEqual([{ reason: expect.stringMatching(/^network error /), count: 9, retried: true, rows: "1-9" }]);
    expect(report.rows).toEqual({ read: 10, delivered: 0, rejected: 1, failed: 9 });
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });
});
