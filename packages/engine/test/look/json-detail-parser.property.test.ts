import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LookFormatError } from "../../src/look/look-format-error.js";
import { encode, parseInChunks } from "./look-fixtures.js";

// Any UTF-16 code unit, lone surrogates included: JSON.stringify escapes those as \udxxx.
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: anyCodeUnit, maxLength: 8 }),
  fc.constantFrom('"', "\\", "\\\"", "{[", "]}", "é", "日本", "🙂", "data", '"data":['),
);
const json = fc.jsonValue({ maxDepth: 3, stringUnit: "binary" });
const cell = fc.record({ value: json, rendered: fc.option(text, { nil: undefined }) }, { requiredKeys: ["value"] });
const pivotedCell = fc.dictionary(text, fc.record({ value: json }), { maxKeys: 3 });
const row = fc.dictionary(text, fc.oneof(cell, pivotedCell), { maxKeys: 6 });
const fields = fc.record({
  dimensions: fc.array(fc.record({ name: text.filter((s) => s.length > 0), tags: fc.array(text, { maxLength: 3 }) }), { maxLength: 3 }),
  measures: fc.array(fc.record({ name: text.filter((s) => s.length > 0), measure: fc.constant(true) }), { maxLength: 2 }),
  table_calculations: fc.constant([]),
  pivots: fc.constant([]),
});
const otherMember = fc.tuple(text.filter((k) => k !== "fields" && k !== "data" && k !== "ran_at"), json);
const indent = fc.constantFrom(undefined, 1, "\t", "\r\n");
const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 });

/** A json_detail document with members in a random order; returns its text. */
const lookDocument = fc
  .record({
    fields,
    rows: fc.array(row, { maxLength: 12 }),
    ranAt: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
    others: fc.array(otherMember, { maxLength: 4 }),
    indent,
    seed: fc.nat(),
  })
  .map(({ fields, rows, ranAt, others, indent, seed }) => {
    const members: Array<[string, unknown]> = [["fields", fields], ["data", rows], ...others];
    if (ranAt !== undefined) members.push(["ran_at", ranAt]);
    // Deterministic shuffle from the generated seed, so shrinking stays meaningful.
    let s = seed;
    for (let i = members.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    const body = members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v, null, indent)}`);
    return `{${body.join(",")}}`;
  });

/**
 * Values as JSON.parse gives them: the reader keeps an integer beyond 2^53 - 1 as the string of
 * its digits where JSON.parse rounds it, so both sides are compared with such strings as numbers.
 */
function asJsonParse(value: unknown): unknown {
  if (typeof value === "string") return /^-?[1-9]\d{15,}$/.test(value) && !Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(asJsonParse);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJsonParse(v)]));
  return value;
}

describe("JsonDetailParser properties", () => {
  it("gives the rows JSON.parse gives, whatever the values, member order and chunking", () => {
    fc.assert(
      fc.property(lookDocument, chunkSizes, (doc, sizes) => {
        const expected = JSON.parse(doc) as { data: unknown[]; ran_at?: string };
        const { rows, parser } = parseInChunks(encode(doc), sizes);
        expect(asJsonParse(rows)).toEqual(asJsonParse(expected.data));
        expect(parser.ranAt).toBe(expected.ran_at);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects every truncation of a document with a LookFormatError", () => {
    fc.assert(
      fc.property(lookDocument, fc.double({ min: 0, max: 1, noNaN: true }), chunkSizes, (doc, cut, sizes) => {
        const bytes = encode(doc);
        const length = Math.floor(cut * (bytes.length - 1)); // always drops at least the closing '}'
        expect(() => parseInChunks(bytes.subarray(0, length), sizes)).toThrow(LookFormatError);
      }),
      { numRuns: 300 },
    );
  });

  it("on corrupted input either throws a LookFormatError or agrees with JSON.parse", () => {
    fc.assert(
      fc.property(lookDocument, fc.nat(), fc.integer({ min: 0, max: 255 }), chunkSizes, (doc, at, byte, sizes) => {
        const bytes = encode(doc).slice();
        bytes[at % bytes.length] = byte;
        let rows;
        try {
          rows = parseInChunks(bytes, sizes).rows;
        } catch (error) {
          expect(error).toBeInstanceOf(LookFormatError);
          return;
        }
        // Accepted: members the engine skips are only checked for balance, so JSON.parse may
        // reject the document; when it accepts it, the rows must match.
        let reference: { data?: unknown } | undefined;
        try {
          reference = JSON.parse(new TextDecoder().decode(bytes)) as { data?: unknown };
        } catch {
          return;
        }
        if (Array.isArray(reference.data)) expect(asJsonParse(rows)).toEqual(asJsonParse(reference.data));
      }),
      { numRuns: 500 },
    );
  });
});
