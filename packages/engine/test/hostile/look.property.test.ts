// Hostile input for the json_detail reader: whatever bytes arrive, in whatever chunks, `readLook`
// yields a header and rows or throws a LookFormatError. Never another exception, never a hang.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LookFormatError } from "../../src/look/look-format-error.js";
import { readLook, type LookEvent } from "../../src/look/read-look.js";
import type { JsonDetailParserOptions } from "../../src/look/json-detail-parser.js";

const encoder = new TextEncoder();

/** Splits `bytes` at the given sizes (cycling) and yields the pieces asynchronously, as a socket would. */
async function* chunksOf(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

type Read = { ok: true; events: LookEvent[]; rows: number; skipped: number } | { ok: false; error: LookFormatError };

/** Reads the whole stream; any error other than a LookFormatError fails the property. */
async function readAll(bytes: Uint8Array, sizes: number[], options?: JsonDetailParserOptions): Promise<Read> {
  const events: LookEvent[] = [];
  try {
    for await (const event of readLook(chunksOf(bytes, sizes), options)) events.push(event);
  } catch (error) {
    if (error instanceof LookFormatError) {
      expect(error.message.length).toBeGreaterThan(0);
      return { ok: false, error };
    }
    throw error;
  }
  // A successful read starts with exactly one header, and rows come after it.
  expect(events[0]?.kind).toBe("header");
  expect(events.filter((e) => e.kind === "header")).toHaveLength(1);
  const rows = events.reduce((n, e) => n + (e.kind === "rows" ? e.rows.length : 0), 0);
  const skipped = events.reduce((n, e) => n + (e.kind === "rows" ? (e.skipped?.length ?? 0) : 0), 0);
  return { ok: true, events, rows, skipped };
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 });
const smallChunks = fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 6 });

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const hostileText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: anyCodeUnit, maxLength: 10 }),
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", "\u0000", "\ufeff", "\u2028", "🙂", "日本語", '"', "\\", "data", "fields"),
);
/** A string of 100 KB to 2 MB: built by repetition, so generating it is cheap. */
const hugeText = fc.tuple(fc.constantFrom("x", "é", "🙂", '\\"', "data"), fc.integer({ min: 100_000, max: 2_000_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)));
const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** A field as Looker might describe it, or not: any JSON in any member. */
const hostileField = fc.record(
  {
    name: fc.oneof(hostileText, jsonValue),
    label: fc.oneof(hostileText, jsonValue),
    label_short: fc.oneof(hostileText, jsonValue),
    tags: fc.oneof(fc.array(hostileText, { maxLength: 4 }), jsonValue),
    measure: fc.oneof(fc.boolean(), jsonValue),
    hidden: fc.oneof(fc.boolean(), jsonValue),
  },
  { requiredKeys: [] },
);
const hostileFields = fc.oneof(
  fc.record({ dimensions: fc.array(hostileField, { maxLength: 4 }), measures: fc.array(hostileField, { maxLength: 2 }), pivots: fc.oneof(fc.constant([]), jsonValue) }, { requiredKeys: [] }),
  jsonValue,
);
const hostileRow = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(hostileText, fc.oneof(fc.record({ value: jsonValue }), jsonValue), { maxKeys: 5 }) },
  { weight: 1, arbitrary: jsonValue },
);

/** A document that is json_detail-shaped, with anything inside: random fields, rows, members and order. */
const hostileDocument = fc
  .record({
    fields: fc.option(hostileFields, { nil: undefined }),
    data: fc.oneof({ weight: 5, arbitrary: fc.array(hostileRow, { maxLength: 8 }) }, { weight: 1, arbitrary: jsonValue }),
    ranAt: fc.option(fc.oneof(hostileText, jsonValue), { nil: undefined }),
    others: fc.array(fc.tuple(hostileText, jsonValue), { maxLength: 3 }),
    reverse: fc.boolean(),
  })
  .map(({ fields, data, ranAt, others, reverse }) => {
    const members: Array<[string, unknown]> = [...others];
    if (fields !== undefined) members.push(["fields", fields]);
    if (ranAt !== undefined) members.push(["ran_at", ranAt]);
    members.push(["data", data]);
    if (reverse) members.reverse();
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
  });

const VALID_FIELDS = { dimensions: [{ name: "users.email", tags: ["email"] }], measures: [], table_calculations: [], pivots: [] };

/** Nesting `depth` levels deep, as arrays, objects or a mix. */
function nested(depth: number, kind: "array" | "object" | "mixed"): string {
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    const obj = kind === "object" || (kind === "mixed" && i % 2 === 1);
    open += obj ? '{"a":' : "[";
    close = (obj ? "}" : "]") + close;
  }
  return `${open}1${close}`;
}

// Every run is bounded: fast-check fails a run that takes longer than this.
const RUN_MS = 5_000;

describe("readLook on hostile input", () => {
  it("random json_detail-shaped documents in random chunks: a header and rows, or a LookFormatError", async () => {
    await fc.assert(
      fc.asyncProperty(hostileDocument, chunkSizes, async (doc, sizes) => {
        const result = await readAll(encoder.encode(doc), sizes);
        if (!result.ok) return;
        // Accepted: then it is JSON, and the rows are the document's rows.
        const parsed = JSON.parse(doc) as { data: unknown };
        expect(Array.isArray(parsed.data) || parsed.data === null).toBe(true);
        expect(result.rows).toBe(Array.isArray(parsed.data) ? parsed.data.length : 0);
      }),
      { numRuns: 400, timeout: RUN_MS },
    );
  });

  it("random bytes, and documents with random bytes overwritten: rows or a LookFormatError", async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(hostileDocument, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([doc, edits]) => {
        const b = encoder.encode(doc);
        for (const [at, byte] of edits) b[at % b.length] = byte;
        return b;
      }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, smallChunks, async (b, sizes) => {
        await readAll(b, sizes);
      }),
      { numRuns: 500, timeout: RUN_MS },
    );
  });

  it("every truncation of a document ends in a LookFormatError, never in rows that look complete", async () => {
    await fc.assert(
      fc.asyncProperty(hostileDocument, fc.double({ min: 0, max: 1, noNaN: true }), smallChunks, async (doc, cut, sizes) => {
        const b = encoder.encode(doc);
        const result = await readAll(b.subarray(0, Math.floor(cut * (b.length - 1))), sizes);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300, timeout: RUN_MS },
    );
  });

  it("deep nesting anywhere (rows, cells, fields, skipped members, the data member itself): rows or a LookFormatError", async () => {
    const where = fc.constantFrom("row", "cell", "fields", "field", "other", "ran_at", "data");
    const depth = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1_000, max: 200_000 }));
    await fc.assert(
      fc.asyncProperty(where, depth, fc.constantFrom("array", "object", "mixed"), fc.boolean(), chunkSizes, async (at, d, kind, truncate, sizes) => {
        const deep = nested(d, kind as "array" | "object" | "mixed");
        const fields = at === "fields" ? deep : at === "field" ? `{"dimensions":[{"name":"x","tags":[],"extra":${deep}}]}` : JSON.stringify(VALID_FIELDS);
        const data = at === "data" ? deep : at === "row" ? `[${deep}]` : at === "cell" ? `[{"users.email":{"value":${deep}}}]` : "[]";
        const doc = `{${at === "other" ? `"sql":${deep},` : ""}${at === "ran_at" ? `"ran_at":${deep},` : ""}"fields":${fields},"data":${data}}`;
        const b = encoder.encode(doc);
        await readAll(truncate ? b.subarray(0, b.length - 2) : b, sizes);
      }),
      { numRuns: 120, timeout: RUN_MS },
    );
  });

  it("huge strings in rows, names and skipped members, within and beyond maxRowBytes", async () => {
    const where = fc.constantFrom("value", "key", "field name", "tag", "other", "ran_at");
    await fc.assert(
      fc.asyncProperty(where, hugeText, fc.constantFrom(undefined, 64 * 1024, 4 * 1024 * 1024), chunkSizes, async (at, text, maxRowBytes, sizes) => {
        const s = JSON.stringify(text);
        const fields = at === "field name" ? `{"dimensions":[{"name":${s}}]}` : at === "tag" ? `{"dimensions":[{"name":"x","tags":[${s}]}]}` : JSON.stringify(VALID_FIELDS);
        const row = at === "value" ? `{"users.email":{"value":${s}}}` : at === "key" ? `{${s}:{"value":1}}` : `{"users.email":{"value":"a@example.com"}}`;
        const doc = `{${at === "other" ? `"sql":${s},` : ""}${at === "ran_at" ? `"ran_at":${s},` : ""}"fields":${fields},"data":[${row},${row}]}`;
        const result = await readAll(encoder.encode(doc), sizes, maxRowBytes === undefined ? undefined : { maxRowBytes });
        const bytes = encoder.encode(s).length;
        // Over the limit in a kept member is refused; a row over it is skipped in its place; skipped members have no limit.
        const inRow = at === "value" || at === "key";
        if (maxRowBytes !== undefined && bytes > maxRowBytes && at !== "other" && !inRow) expect(result.ok).toBe(false);
        if (result.ok) expect(result.rows).toBe(2);
        const rowOver = maxRowBytes !== undefined && encoder.encode(row).length > maxRowBytes;
        if (inRow) expect(result.ok && result.skipped).toBe(rowOver ? 2 : 0);
      }),
      { numRuns: 40, timeout: RUN_MS * 2 },
    );
  }, 120_000);
});

describe("readLook: fixed cases", () => {
  it("a data member that is a deeply nested object is a LookFormatError, not a stack overflow", async () => {
    const doc = `{"fields":${JSON.stringify(VALID_FIELDS)},"data":${nested(100_000, "object")}}`;
    const result = await readAll(encoder.encode(doc), [65_536]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe('Look JSON "data" member must be an array of rows, found an object');
  });

  it("the data member's error names its type, never its content", async () => {
    const result = await readAll(encoder.encode(`{"fields":${JSON.stringify(VALID_FIELDS)},"data":"alice@example.com"}`), [7]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toBe('Look JSON "data" member must be an array of rows, found a string');
      expect(result.error.message).not.toContain("alice");
    }
  });
});
