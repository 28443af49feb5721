// The packer encodes each record once into the request bytes: sizes are UTF-8 sizes, requests
// never exceed the API's limits, and no record is lost, duplicated or reordered.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fewerRequests, packedTogether, RecordPacker, RequestShape, TOO_LARGE, type Packed } from "../../src/batch/batcher.js";
import { RECORD_DIGEST_BYTES } from "../../src/sync/digest-bytes.js";

const envelope = { kind: "object", itemsKey: "batch", sentAtField: "sentAt" } as const;
const shape = new RequestShape(envelope);

function packAll(packer: RecordPacker, records: string[]): { requests: Packed[]; tooLarge: number[] } {
  const requests: Packed[] = [];
  const tooLarge: number[] = [];
  records.forEach((json, i) => {
    const out = packer.add(json, i + 1);
    if (out === TOO_LARGE) tooLarge.push(i + 1);
    else if (out !== undefined) requests.push(out);
  });
  const last = packer.flush();
  if (last !== undefined) requests.push(last);
  return { requests, tooLarge };
}

describe("RecordPacker", () => {
  it("a record given as UTF-8 bytes and a text tail packs exactly as the whole JSON text does", () => {
    const limits = { maxRecordsPerRequest: 3, maxRequestBytes: 200, maxRecordBytes: 120 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })), { maxLength: 12 }), (pairs) => {
        const records = pairs.map(([a, b]) => JSON.stringify({ a, b }));
        const whole = packAll(new RecordPacker(limits, shape.room), records);
        const parts = new RecordPacker(limits, shape.room);
        const requests: Packed[] = [];
        const tooLarge: number[] = [];
        pairs.forEach(([a, b], i) => {
          const out = parts.addParts(Buffer.from(JSON.stringify({ a })).subarray(0, -1), `,"b":${JSON.stringify(b)}}`, i + 1);
          if (out === TOO_LARGE) tooLarge.push(i + 1);
          else if (out !== undefined) requests.push(out);
        });
        const last = parts.flush();
        if (last !== undefined) requests.push(last);
        expect(tooLarge).toEqual(whole.tooLarge);
        expect(requests.map((r) => [r.rows, r.ends, Buffer.from(r.payload).toString()])).toEqual(whole.requests.map((r) => [r.rows, r.ends, Buffer.from(r.payload).toString()]));
      }),
    );
  });

  it("counts UTF-8 bytes, not characters", () => {
    const record = JSON.stringify({ name: "Zoë – 東京 🎉" });
    const packer = new RecordPacker({ maxRecordsPerRequest: 10, maxRequestBytes: 10_000, maxRecordBytes: 1_000 }, shape.room);
    const { requests } = packAll(packer, [record, record]);
    const body = shape.wrap(requests[0]!).body("2026-01-01T00:00:00.000Z");
    expect(requests[0]!.bytes).toBe(2 * Buffer.byteLength(record) + 1);
    expect(shape.wrap(requests[0]!).bytes).toBe(Buffer.byteLength(body));
    expect(JSON.parse(String(body))).toEqual({ batch: [JSON.parse(record), JSON.parse(record)], sentAt: "2026-01-01T00:00:00.000Z" });
  });

  it("a record over the record limit is refused with its size and leaves the request as it was", () => {
    const packer = new RecordPacker({ maxRecordsPerRequest: 10, maxRequestBytes: 10_000, maxRecordBytes: 20 }, shape.room);
    expect(packer.add('"ok"', 1)).toBeUndefined();
    expect(packer.add(JSON.stringify("é".repeat(10)), 2)).toBe(TOO_LARGE);
    expect(packer.lastRecordBytes).toBe(22);
    const last = packer.flush()!;
    expect(last.rows).toEqual([1]);
    expect(Buffer.from(last.payload).toString()).toBe('"ok"');
  });

  it("fills a request to exactly its byte limit, then starts the next", () => {
    const record = '"abcd"'; // 6 bytes; with commas n records take 7n - 1
    const limit = shape.overhead + 7 * 3 - 1;
    const packer = new RecordPacker({ maxRecordsPerRequest: 100, maxRequestBytes: limit, maxRecordBytes: 100 }, shape.room);
    const { requests } = packAll(packer, Array.from({ length: 7 }, () => record));
    expect(requests.map((r) => r.count)).toEqual([3, 3, 1]);
    expect(shape.wrap(requests[0]!).bytes).toBe(limit);
  });

  it("writes the envelope around the records in place, anew for each attempt", () => {
    const packer = new RecordPacker({ maxRecordsPerRequest: 10, maxRequestBytes: 10_000, maxRecordBytes: 1_000 }, shape.room);
    const { requests } = packAll(packer, ['{"a":1}', '{"b":"é"}']);
    const packed = requests[0]!;
    const batch = shape.wrap(packed);
    const first = batch.body("2026-01-01T00:00:00.000Z") as Buffer;
    expect(first.buffer).toBe(packed.payload.buffer);
    expect(JSON.parse(first.toString())).toEqual({ batch: [{ a: 1 }, { b: "é" }], sentAt: "2026-01-01T00:00:00.000Z" });
    const retry = batch.body("2026-01-01T00:00:09.999Z") as Buffer;
    expect(JSON.parse(retry.toString())).toEqual({ batch: [{ a: 1 }, { b: "é" }], sentAt: "2026-01-01T00:00:09.999Z" });
    expect(retry.length).toBe(batch.bytes);
  });

  it("wraps records that came without room by copying them", () => {
    const payload = Buffer.from('{"a":1}');
    const body = shape.wrap({ rows: [1], count: 1, bytes: payload.length, ends: [payload.length], payload: new Uint8Array(payload) }).body("2026-01-01T00:00:00.000Z");
    expect(JSON.parse(String(body))).toEqual({ batch: [{ a: 1 }], sentAt: "2026-01-01T00:00:00.000Z" });
  });

  it("keeps every record, in order, within both limits (any records, any limits)", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 40 });
    fc.assert(
      fc.property(fc.array(text, { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 150, max: 2_000 }), (values, maxCount, maxRequest) => {
        const limits = { maxRecordsPerRequest: maxCount, maxRequestBytes: maxRequest, maxRecordBytes: 120 };
        const packer = new RecordPacker(limits, shape.room);
        const records = values.map((v) => JSON.stringify({ v }));
        const { requests, tooLarge } = packAll(packer, records);
        for (const r of requests) {
          const body = shape.wrap(r).body("2026-01-01T00:00:00.000Z");
          expect(r.count).toBeLessThanOrEqual(maxCount);
          expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxRequest);
          expect(shape.wrap(r).bytes).toBe(Buffer.byteLength(body));
          expect((JSON.parse(String(body)) as { batch: unknown[] }).batch).toEqual(r.rows.map((n) => JSON.parse(records[n - 1]!)));
        }
        const sent = requests.flatMap((r) => r.rows);
        expect([...sent, ...tooLarge].sort((a, b) => a - b)).toEqual(records.map((_, i) => i + 1));
        expect(sent).toEqual([...sent].sort((a, b) => a - b));
        for (const n of tooLarge) expect(Buffer.byteLength(records[n - 1]!)).toBeGreaterThan(120);
      }),
    );
  });
});

describe("a request without some of its records", () => {
  it("keeps the others, in order, with their rows, whichever request of the packer they were in", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(19), { maxLength: 8 }), (values, drop) => {
        // Multi-byte characters, so byte offsets and character offsets differ.
        const records = values.map((v, i) => JSON.stringify({ i, v: `${v}é東🎉`.repeat(i % 3) }));
        const packer = new RecordPacker({ maxRecordsPerRequest: 7, maxRequestBytes: 400, maxRecordBytes: 300 }, shape.room);
        const { requests } = packAll(packer, records);
        for (const packed of requests) {
          const refused = new Set(drop.filter((d) => d < packed.count));
          const rest = shape.wrap(packed).without(refused);
          const kept = packed.rows.filter((_, i) => !refused.has(i));
          if (kept.length === 0) {
            expect(rest).toBeUndefined();
            continue;
          }
          const body = JSON.parse(String(rest!.body("2026-01-01T00:00:00.000Z"))) as { batch: unknown[] };
          expect(rest!.rows).toEqual(kept);
          expect(body.batch).toEqual(kept.map((row) => JSON.parse(records[row - 1]!)));
          expect(rest!.bytes).toBe(Buffer.byteLength(String(rest!.body("2026-01-01T00:00:00.000Z"))));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("part-filled requests of several packers", () => {
  it("are combined while two in a row fit one request: every record once, with its row, digests and offsets, within both limits", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 150, max: 600 }), (groups, maxCount, maxRequest) => {
        const limits = { maxRecordsPerRequest: maxCount, maxRequestBytes: maxRequest, maxRecordBytes: 100 };
        let row = 0;
        const records = new Map<number, string>();
        // One packer per group (a worker's or the run's own), each left with its last request part-filled.
        const parts = groups.flatMap((values) => {
          const packer = new RecordPacker(limits, shape.room);
          const out: Packed[] = [];
          for (const v of values) {
            const json = JSON.stringify({ v: `${v}é🎉` });
            records.set(++row, json);
            const digest = new Uint8Array(RECORD_DIGEST_BYTES).fill(row);
            const closed = packer.add(json, row, digest);
            if (closed !== undefined && closed !== TOO_LARGE) out.push(closed);
          }
          const last = packer.flush();
          return last === undefined ? [] : [last];
        });
        const combined = fewerRequests(parts, limits, shape.room);
        expect(combined.length).toBeLessThanOrEqual(parts.length);
        expect(combined.flatMap((p) => p.rows)).toEqual(parts.flatMap((p) => p.rows));
        for (const p of combined) {
          const body = String(shape.wrap(p).body("2026-01-01T00:00:00.000Z"));
          expect(p.count).toBeLessThanOrEqual(maxCount);
          expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxRequest);
          expect(shape.wrap(p).bytes).toBe(Buffer.byteLength(body));
          expect((JSON.parse(body) as { batch: unknown[] }).batch).toEqual(p.rows.map((n) => JSON.parse(records.get(n)!)));
          // Each record ends where `ends` says, and its digests follow it.
          p.rows.forEach((n, i) => {
            const start = i === 0 ? 0 : p.ends[i - 1]! + 1;
            expect(Buffer.from(p.payload.subarray(start, p.ends[i])).toString()).toBe(records.get(n));
            expect([...p.digests!.subarray(i * RECORD_DIGEST_BYTES, (i + 1) * RECORD_DIGEST_BYTES)]).toEqual(new Array(RECORD_DIGEST_BYTES).fill(n % 256));
          });
        }
        // Two requests left side by side would not have fitted one.
        for (let i = 1; i < combined.length; i++) expect(packedTogether(combined[i - 1]!, combined[i]!, limits, shape.room)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it("are not combined when only one carries a sync's digests", () => {
    const limits = { maxRecordsPerRequest: 10, maxRequestBytes: 10_000, maxRecordBytes: 1_000 };
    const a = new RecordPacker(limits, shape.room);
    const b = new RecordPacker(limits, shape.room);
    a.add('{"a":1}', 1, new Uint8Array(RECORD_DIGEST_BYTES));
    b.add('{"b":2}', 2);
    expect(fewerRequests([a.flush()!, b.flush()!], limits, shape.room)).toHaveLength(2);
  });
});
