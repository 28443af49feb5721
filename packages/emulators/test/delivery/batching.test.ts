// Requests are cut at the manifest's count and byte limits, never over them; a row too large for
// the API on its own is rejected with the sizes, and the others are delivered.

import { describe, expect, it } from "vitest";
import {
  deliver,
  expectAddsUp,
  expectedId,
  field,
  lookText,
  mparticle,
  recordsOf,
  segment,
  uniqueIds,
  useEmulators,
  type SentRequest,
} from "./support.js";

// Validation on: an oversized request or record would be answered 400 and show in byStatus.
const ctx = useEmulators();

const pad = (n: number) => String(n).padStart(5, "0");
/** The row a record came from, as a key that sorts in row order (the rows' padded user ids and emails). */
type RowKey = (record: Record<string, any>) => string;
const MP_ROW: RowKey = (r) => r["user_identities"]["email"];
const SEGMENT_ROW: RowKey = (r) => r["userId"];

/** Requests in row order (they may complete in any order with several in flight). */
const byFirstRow = (requests: SentRequest[], rowKey: RowKey) => [...requests].sort((a, b) => rowKey(recordsOf(a)[0]!).localeCompare(rowKey(recordsOf(b)[0]!)));

/**
 * Checks the requests are cut greedily at the byte limit: none over it, and each but the last
 * closed only because the next record would not have fit.
 */
function expectPackedToByteLimit(requests: SentRequest[], limit: number, rowKey: RowKey): void {
  const ordered = byFirstRow(requests, rowKey);
  for (const [i, request] of ordered.entries()) {
    expect(request.bytes, `request ${i} is within the limit`).toBeLessThanOrEqual(limit);
    const next = ordered[i + 1];
    if (next === undefined) continue;
    const nextRecordBytes = Buffer.byteLength(JSON.stringify(recordsOf(next)[0]));
    expect(request.bytes + 1 + nextRecordBytes, `request ${i} had no room for the next record`).toBeGreaterThan(limit);
  }
}

describe("count limit", () => {
  it("mParticle: 250 rows go as requests of 100, 100 and 50 batches, in row order within each", async () => {
    const look = lookText({ fields: [field("users.email", ["mp_email"])], rows: (i) => ({ "users.email": `u${pad(i + 1)}@example.com` }), count: 250 });
    const report = await deliver(ctx.emulators, mparticle, look, { transport: ctx.transport });

    expect(ctx.transport.requests.map((r) => recordsOf(r).length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    const ordered = byFirstRow(ctx.transport.requests, MP_ROW);
    ordered.forEach((request, i) => {
      const records = recordsOf(request);
      const first = i * 100 + 1;
      expect(records.map(MP_ROW)).toEqual(Array.from({ length: records.length }, (_, k) => `u${pad(first + k)}@example.com`));
      for (const r of records) expect(r["source_request_id"]).toBe(expectedId(ctx.emulators, mparticle, r));
    });
    expect(report.rows).toEqual({ read: 250, delivered: 250, rejected: 0, failed: 0 });
    expect(report.requests).toMatchObject({ sent: 3, retries: 0, byStatus: { "202": 3 } });
    const state = ctx.emulators.state()["mparticle"]!;
    expect(state).toMatchObject({ requests: 3, accepted: 250, duplicates: 0, byStatus: { "202": 3 } });
    expect(uniqueIds(ctx.emulators.records("mparticle"), "source_request_id").size).toBe(250);
    expect(report.success).toBe(true);
    expectAddsUp(report);
  });

  it("Segment: 2,501 rows go as 2,500 + 1 messages, none dropped for count", async () => {
    const look = lookText({ fields: [field("users.id", ["user_id"])], rows: (i) => ({ "users.id": `u${pad(i + 1)}` }), count: 2501 });
    const report = await deliver(ctx.emulators, segment, look, { transport: ctx.transport });

    expect(ctx.transport.requests.map((r) => recordsOf(r).length).sort((a, b) => b - a)).toEqual([2500, 1]);
    for (const r of ctx.transport.requests) expect(r.bytes).toBeLessThanOrEqual(segment.manifest.wire.limits.maxRequestBytes);
    expect(report.rows).toEqual({ read: 2501, delivered: 2501, rejected: 0, failed: 0 });
    expect(report.requests.sent).toBe(2);
    // Segment answers 200 but drops a whole request over 2,500 messages: none may be dropped.
    expect(ctx.emulators.state()["segment"]).toMatchObject({ accepted: 2501, dropped: 0, duplicates: 0, byStatus: { "200": 2 } });
    expect(uniqueIds(ctx.emulators.records("segment"), "messageId").size).toBe(2501);
    expectAddsUp(report);
  });
});

describe("byte limit", () => {
  it("mParticle: 8 KB batches are cut before 256 KB (31 per request), well under the count limit", async () => {
    const fields = [field("users.email", ["mp_email"]), field("users.note_a", ["mp_user_attribute"]), field("users.note_b", ["mp_user_attribute"])];
    const rows = (i: number) => ({ "users.email": `u${pad(i + 1)}@example.com`, "users.note_a": "a".repeat(4000), "users.note_b": "b".repeat(4000) });
    const report = await deliver(ctx.emulators, mparticle, lookText({ fields, rows, count: 100 }), { transport: ctx.transport });

    const limit = mparticle.manifest.wire.limits.maxRequestBytes;
    expect(limit).toBe(262_144);
    const recordBytes = Buffer.byteLength(JSON.stringify(ctx.emulators.records("mparticle")[0]));
    // Every record has the same size; a request holds as many as fit with "[", "]" and the commas.
    const perRequest = Math.floor((limit - 2 + 1) / (recordBytes + 1));
    expect(perRequest).toBe(31);
    expect(ctx.transport.requests.map((r) => recordsOf(r).length).sort((a, b) => b - a)).toEqual([31, 31, 31, 7]);
    expectPackedToByteLimit(ctx.transport.requests, limit, MP_ROW);

    expect(report.rows).toEqual({ read: 100, delivered: 100, rejected: 0, failed: 0 });
    expect(report.requests).toMatchObject({ sent: 4, byStatus: { "202": 4 } });
    expect(ctx.emulators.state()["mparticle"]).toMatchObject({ accepted: 100, byStatus: { "202": 4 } });
    expectAddsUp(report);
  });

  it("Segment: 12 KB messages are cut before 500 KB (42 per request), the envelope and sentAt counted", async () => {
    const fields = [field("users.id", ["user_id"]), field("users.bio")];
    const rows = (i: number) => ({ "users.id": `u${pad(i + 1)}`, "users.bio": "x".repeat(12_000) });
    const report = await deliver(ctx.emulators, segment, lookText({ fields, rows, count: 100 }), { transport: ctx.transport });

    const limit = segment.manifest.wire.limits.maxRequestBytes;
    expect(limit).toBe(512_000);
    const recordBytes = Buffer.byteLength(JSON.stringify(ctx.emulators.records("segment")[0]));
    const envelope = Buffer.byteLength(`{"batch":[],"sentAt":"2026-01-01T00:00:00.000Z"}`);
    expect(Math.floor((limit - envelope + 1) / (recordBytes + 1))).toBe(42);
    expect(ctx.transport.requests.map((r) => recordsOf(r).length).sort((a, b) => b - a)).toEqual([42, 42, 16]);
    expectPackedToByteLimit(ctx.transport.requests, limit, SEGMENT_ROW);

    expect(report.rows).toEqual({ read: 100, delivered: 100, rejected: 0, failed: 0 });
    expect(ctx.emulators.state()["segment"]).toMatchObject({ accepted: 100, dropped: 0, byStatus: { "200": 3 } });
    expectAddsUp(report);
  });
});

describe("a single row too large for the API", () => {
  it("Segment: a message over 32 KB is rejected with its size, the other rows delivered", async () => {
    const fields = [field("users.id", ["user_id"]), field("users.bio")];
    const rows = [1, 2, 3, 4, 5].map((n) => ({ "users.id": `u${n}`, "users.bio": n === 3 ? "x".repeat(40_000) : `bio ${n}` }));
    const report = await deliver(ctx.emulators, segment, lookText({ fields, rows }), { transport: ctx.transport });

    expect(report.rows).toEqual({ read: 5, delivered: 4, rejected: 1, failed: 0 });
    expect(report.rejected).toHaveLength(1);
    const [group] = report.rejected;
    expect(group!.reason).toBe("record larger than the 32,768 bytes Segment accepts");
    expect(group!.count).toBe(1);
    expect(group!.examples).toEqual([{ row: 3, detail: expect.stringMatching(/^record is 40,\d{3} bytes$/) }]);
    expect(ctx.emulators.records("segment").map((r: any) => r.userId)).toEqual(["u1", "u2", "u4", "u5"]);
    expect(ctx.emulators.state()["segment"]).toMatchObject({ accepted: 4, dropped: 0, byStatus: { "200": 1 } });
    expect(report.success).toBe(false);
    expectAddsUp(report);
  });

  it("mParticle: a batch over 128 KB is rejected with its size, the other rows delivered", async () => {
    const notes = Array.from({ length: 40 }, (_, i) => field(`users.note_${i}`));
    const fields = [field("users.email", ["mp_email"]), ...notes];
    const rows = [1, 2, 3].map((n) => ({
      "users.email": `u${n}@example.com`,
      ...Object.fromEntries(notes.map((f) => [f.name, n === 2 ? "n".repeat(4000) : "short"])),
    }));
    const report = await deliver(ctx.emulators, mparticle, lookText({ fields, rows }), { transport: ctx.transport });

    expect(report.rows).toEqual({ read: 3, delivered: 2, rejected: 1, failed: 0 });
    expect(report.rejected).toEqual([
      { reason: "record larger than the 131,072 bytes mParticle accepts", count: 1, examples: [{ row: 2, detail: expect.stringMatching(/^record is 16\d,\d{3} bytes$/) }] },
    ]);
    expect(ctx.emulators.records("mparticle").map((r: any) => r.user_identities.email)).toEqual(["u1@example.com", "u3@example.com"]);
    expect(ctx.emulators.state()["mparticle"]).toMatchObject({ accepted: 2, byStatus: { "202": 1 } });
    expectAddsUp(report);
  });
});
