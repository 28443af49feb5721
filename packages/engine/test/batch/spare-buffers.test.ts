// Request buffers given back after their request was answered are packed into again: the next
// requests' bodies are exactly their own records, never bytes left from an earlier request.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RecordPacker, RequestShape, TOO_LARGE, type Batch, type Packed } from "../../src/batch/batcher.js";
import { SpareBuffers } from "../../src/batch/spare-buffers.js";

const shape = new RequestShape({ kind: "object", itemsKey: "batch", sentAtField: "sentAt" });
const SENT_AT = "2026-01-01T00:00:00.000Z";

describe("SpareBuffers", () => {
  it("gives back a spare large enough, and not one more than twice the size asked", () => {
    const spares = new SpareBuffers();
    const small = new ArrayBuffer(1_000);
    const large = new ArrayBuffer(10_000);
    spares.give(small);
    spares.give(large);
    expect(spares.take(6_000).buffer).toBe(large);
    expect(spares.take(400).buffer).not.toBe(small); // 1,000 is more than twice 400
    expect(spares.take(900).buffer).toBe(small);
    expect(spares.take(900).buffer).not.toBe(small); // taken once only
  });

  it("ignores a buffer that was handed on already (detached)", () => {
    const spares = new SpareBuffers();
    const buffer = new ArrayBuffer(2_000);
    structuredClone(buffer, { transfer: [buffer] });
    spares.give(buffer);
    expect(spares.take(1_500).byteLength).toBe(1_500);
  });

  it("keeps at most sixteen spares, dropping the oldest", () => {
    const spares = new SpareBuffers();
    const buffers = Array.from({ length: 17 }, () => new ArrayBuffer(100));
    for (const b of buffers) spares.give(b);
    const taken = new Set(Array.from({ length: 17 }, () => spares.take(100).buffer));
    expect(taken.has(buffers[0]!)).toBe(false);
    for (const b of buffers.slice(1)) expect(taken.has(b)).toBe(true);
  });
});

describe("a packer filling given-back buffers", () => {
  it("sends every request's own records whatever was in its buffer before", () => {
    const limits = { maxRecordsPerRequest: 4, maxRequestBytes: 600, maxRecordBytes: 300 };
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 120 }), { minLength: 1, maxLength: 40 }), (names) => {
        const spares = new SpareBuffers();
        const packer = new RecordPacker(limits, shape.room, spares);
        const bodies: unknown[] = [];
        const expected: unknown[][] = [];
        const send = (packed: Packed | undefined) => {
          if (packed === undefined) return;
          const batch: Batch = shape.wrap(packed, (buffer) => spares.give(buffer));
          bodies.push(JSON.parse(String(batch.body(SENT_AT))));
          // Answered: its buffer goes back and the next request is packed into it.
          batch.release();
          batch.release(); // a second release gives nothing back twice
        };
        let request: unknown[] = [];
        names.forEach((name, i) => {
          const record = { name, n: i };
          const out = packer.add(JSON.stringify(record), i + 1);
          expect(out).not.toBe(TOO_LARGE);
          if (out !== undefined && out !== TOO_LARGE) {
            expected.push(request);
            request = [];
            send(out);
          }
          request.push(record);
        });
        expected.push(request);
        send(packer.flush());
        expect(bodies).toEqual(expected.map((batch) => ({ batch, sentAt: SENT_AT })));
      }),
    );
  });

  it("reuses the buffers it was given", () => {
    const spares = new SpareBuffers();
    const packer = new RecordPacker({ maxRecordsPerRequest: 2, maxRequestBytes: 10_000, maxRecordBytes: 1_000 }, shape.room, spares);
    const record = JSON.stringify({ name: "x".repeat(100) });
    packer.add(record, 1);
    packer.add(record, 2);
    const first = packer.add(record, 3);
    expect(first).toBeDefined();
    const buffer = (first as Packed).payload.buffer;
    spares.give(buffer as ArrayBuffer);
    packer.add(record, 4);
    // Closing the second request starts the third in the buffer given back.
    expect(packer.add(record, 5)).toBeDefined();
    const third = packer.flush() as Packed;
    expect(third.payload.buffer).toBe(buffer);
    expect(third.rows).toEqual([5]);
  });
});
