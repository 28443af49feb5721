import { describe, expect, it } from "vitest";
import { JsonDetailParser, type JsonDetailParserOptions } from "../../src/look/json-detail-parser.js";
import { LookFormatError } from "../../src/look/look-format-error.js";
import { parseRawRows, type ParsedRows } from "../../src/look/raw-rows.js";
import type { LookRow } from "../../src/look/types.js";
import { documentOf, encode, parseInChunks, rawChunksOf, sampleFields, sampleRows, thrownBy, type Member } from "./look-fixtures.js";

const fieldsMember: Member = ["fields", JSON.stringify(sampleFields)];
const dataMember: Member = ["data", JSON.stringify(sampleRows)];
const doc = documentOf([["ran_at", '"2025-01-01T00:00:00Z"'], ["sql", '"select [x]"'], fieldsMember, dataMember, ["timezone", '"UTC"']]);
const bytes = encode(doc);

function lookError(text: string | Uint8Array, sizes = [7], options = {}): LookFormatError {
  const error = thrownBy(() => parseInChunks(typeof text === "string" ? encode(text) : text, sizes, options));
  expect(error).toBeInstanceOf(LookFormatError);
  expect((error as LookFormatError)._tag).toBe("LookFormatError");
  return error as LookFormatError;
}

describe("JsonDetailParser truncated documents", () => {
  it("rejects every proper prefix of a document, naming how many rows were read", () => {
    // Offsets in bytes: the fixture has multi-byte characters.
    const dataStart = encode(doc.slice(0, doc.indexOf('"data":[') + '"data":['.length)).length;
    const dataEnd = encode(doc.slice(0, doc.indexOf(',"timezone"'))).length;
    for (let length = 0; length < bytes.length; length++) {
      const error = lookError(bytes.subarray(0, length), [(length % 5) + 1]);
      if (length >= dataStart && length < dataEnd) {
        const rowsInPrefix = countRowsIn(new TextDecoder().decode(bytes.subarray(dataStart, length)));
        expect(error.message).toBe(`Look JSON ended before the data array was closed (read ${rowsInPrefix} rows)`);
      } else if (length === 0) {
        expect(error.message).toBe("Look JSON is empty");
      } else {
        expect(error.message).toMatch(/^Look JSON ended (inside the "\w+" member|before its closing '\}') \(read \d+ rows\)$/);
      }
    }
  });

  it("says which member was cut off", () => {
    const cut = doc.slice(0, doc.indexOf('"fields":') + 30);
    expect(lookError(cut).message).toBe('Look JSON ended inside the "fields" member (read 0 rows)');
  });

  it("reports an empty or whitespace-only input as empty", () => {
    expect(lookError("").message).toBe("Look JSON is empty");
    expect(lookError(" \n\t ").message).toBe("Look JSON is empty");
  });
});

/** Counts complete top-level objects in the text of a data array's contents. */
function countRowsIn(text: string): number {
  let depth = 0;
  let rows = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) rows++;
    }
  }
  return rows;
}

describe("JsonDetailParser malformed documents", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["a bare array", "[1,2]", /is a bare array/],
    ["not JSON", "hello", /malformed at byte 0: unexpected 'h', expected '\{'/],
    ["a missing colon", '{"fields" {}}', /malformed at byte 10: unexpected '\{', expected ':'/],
    ["a missing comma between members", `{"a":1 "b":2}`, /malformed at byte 7: unexpected '"', expected ',' or '\}'/],
    ["a trailing comma", `{"a":1,}`, /malformed at byte 7: unexpected '\}', expected a member name/],
    ["a mismatched bracket in a skipped member", `{"sql":[1,2}, ${fieldsMember.map(String).join(":")}}`, /malformed at byte 11: unexpected '\}', expected '\]'/],
    ["a mismatched bracket in a row", `{"fields":{},"data":[{"a":{"value":1]}]}`, /malformed at byte 36: unexpected '\]', expected '\}'/],
    ["garbage inside a row", `{"fields":{},"data":[{"a":{"value":nope}}]}`, /malformed in row 1 \(starting at byte 21\): Unexpected token/],
    ["a missing comma between rows", `{"fields":{},"data":[{"a":{"value":1}} {"b":{"value":2}}]}`, /unexpected '\{', expected ',' or '\]' in the data array/],
    ["a row that is not an object", `{"fields":{},"data":[{"a":{"value":1}}, [1]]}`, /row 2 \(at byte 40\) is not an object/],
    ["a scalar row", `{"fields":{},"data":[7]}`, /row 1 \(at byte 21\) is not an object/],
    ["content after the document", `{"fields":{},"data":[]} {}`, /unexpected '\{', expected nothing after the closing '\}'/],
    ["a data member that is not an array", `{"fields":{},"data":{"a":1}}`, /"data" member must be an array of rows/],
    ["fields that are not an object", `{"fields":[],"data":[]}`, /"fields" member must be an object, found an array/],
    ["a field without a name", `{"fields":{"dimensions":[{"label":"x"}]},"data":[]}`, /"fields.dimensions\[0\]" has no "name" string/],
    ["tags that are not strings", `{"fields":{"measures":[{"name":"a.b","tags":[1]}]},"data":[]}`, /"fields.measures\[0\].tags" \(field a.b\) must be an array of strings/],
    ["two fields members", `{"fields":{},"fields":{},"data":[]}`, /more than one "fields" member/],
    ["two data members (rows already streamed cannot be replaced)", `{"data":[{}],"fields":{},"data":null}`, /more than one "data" member/],
    ["two data arrays", `{"fields":{},"data":[],"data":[{}]}`, /more than one "data" member/],
    ["no fields member", `{"data":[{"a":{"value":1}}]}`, /^Look JSON has no "fields" member$/],
    ["a raw control character in a row string", `{"fields":{},"data":[{"a":{"value":"x\ny"}}]}`, /malformed (at byte \d+ \(in row 1\)|in row 1 \(starting at byte 21\))/],
    ["a value that cannot start JSON", `{"fields":{},"x": @}`, /malformed at byte 18: unexpected '@', expected a value/],
  ];

  for (const [name, text, message] of cases) {
    it(`rejects ${name}`, () => {
      for (const size of [1, 3, 1000]) expect(lookError(text, [size]).message).toMatch(message);
    });
  }

  it("does not copy row content into the message", () => {
    const error = lookError(`{"fields":{},"data":[{"email":{"value":secret@example.com}}]}`, [4096]);
    expect(error.message).not.toContain("example.com");
    expect(error.message).toMatch(/^Look JSON is malformed in row 1 \(starting at byte 21\): Unexpected token/);
  });

  it("reports the byte offset of a JSON.parse failure within the document", () => {
    const text = `{"fields":{},"data":[{"a":{"value":"é"}},{"a":{"value":1,}}]}`;
    const error = lookError(text, [4096]);
    // The offending '}' follows "1," in the second row; offsets count UTF-8 bytes (é is two).
    const expectedOffset = encode(text.slice(0, text.indexOf(",}}") + 1)).length;
    expect(error.message).toContain(`malformed at byte ${expectedOffset} (in row 2)`);
  });

  it("keeps failing after an error instead of resuming mid-document", () => {
    const parser = new JsonDetailParser();
    const first = thrownBy(() => parser.push("{,"));
    expect(thrownBy(() => parser.push('"a":1}'))).toBe(first);
    expect(thrownBy(() => parser.end())).toBe(first);
  });

  it("refuses input after end()", () => {
    const parser = new JsonDetailParser();
    parser.push(doc);
    parser.end();
    expect(thrownBy(() => parser.push("{}")).message).toMatch(/called after end\(\)/);
  });
});

describe("JsonDetailParser size limits", () => {
  const bigRow = JSON.stringify({ "users.notes": { value: "x".repeat(3000) } });
  const bigDoc = documentOf([fieldsMember, ["data", `[${JSON.stringify(sampleRows[2])},${bigRow}]`]]);
  const REASON = "row larger than 2 KiB, not read (raise TAGWIRE_MAX_ROW_BYTES if such rows are expected)";

  it("skips a row larger than maxRowBytes, whether it arrives whole or in pieces, and names it in its place", () => {
    const at = encode(bigDoc.slice(0, bigDoc.indexOf(bigRow))).length;
    for (const size of [1, 50, 100_000]) {
      const { rows, skipped } = parseAll(encode(bigDoc), [size], { maxRowBytes: 2048 });
      expect(rows).toEqual([sampleRows[2], {}]);
      expect(skipped).toEqual([{ row: 2, reason: REASON, detail: `row is ${bigRow.length.toLocaleString("en-US")} bytes (starting at byte ${at})` }]);
    }
  });

  it("accepts the same row under a larger limit", () => {
    expect(parseInChunks(encode(bigDoc), [50], { maxRowBytes: 4096 }).rows).toHaveLength(2);
  });

  it("limits captured members too, but not skipped ones", () => {
    expect(lookError(bigDoc, [64], { maxRowBytes: 200 }).message).toMatch(/"fields" member is larger than 200 bytes/);
    const skipped = documentOf([["sql", JSON.stringify("y".repeat(5000))], ["fields", "{}"], ["data", "[]"]]);
    expect(parseInChunks(encode(skipped), [64], { maxRowBytes: 200 }).rows).toEqual([]);
  });

  it("applies the 8 MiB default", () => {
    const huge = `{"fields":{},"data":[{"a":{"value":"${"z".repeat(8 * 1024 * 1024)}"}},{"b":{"value":1}}]}`;
    const { rows, skipped } = parseAll(encode(huge), [1024 * 1024]);
    expect(rows).toEqual([{}, { b: { value: 1 } }]);
    expect(skipped).toEqual([{ row: 1, reason: expect.stringMatching(/^row larger than 8 MiB, not read \(raise TAGWIRE_MAX_ROW_BYTES/), detail: "row is 8,388,626 bytes (starting at byte 21)" }]);
  });
});

describe("JsonDetailParser: a row over the size limit costs that row only", () => {
  const LIMIT = 1024;
  /** Text that ends a naive scan early: escaped quotes and backslashes before brackets, and brackets in strings. */
  const tricky = '\\"]}{["\\\\\"},{\\u0022]]';
  const oversize = (n: number) => ({
    [`key "${n}" ]}`]: { value: `${tricky}${"ü".repeat(1500)}${n}${tricky}`, rendered: tricky.repeat(20), links: [{ url: "/x?a=[1]", nested: [[[{ a: "}]" }]]] }] },
    "users.email": { value: `big${n}@example.com` },
  });
  const small = (n: number) => ({ "users.email": { value: `u${n}@example.com` }, "users.city": { value: n % 2 === 0 ? "a\"]},{" : "Zürich" } });

  /** Rows 1..count, with the ones in `big` over the limit. */
  function lookWith(count: number, big: ReadonlySet<number>) {
    const rows = Array.from({ length: count }, (_, i) => (big.has(i + 1) ? oversize(i + 1) : small(i + 1)));
    const doc = documentOf([fieldsMember, ["data", `[\n${rows.map((r) => JSON.stringify(r)).join(",\n")}\n]`]]);
    return { rows, doc, bytes: encode(doc) };
  }

  it("skips an oversize row in the middle, cut across many chunks, and returns the rows around it intact and numbered", () => {
    const { rows, doc, bytes } = lookWith(5, new Set([3]));
    const text = JSON.stringify(rows[2]);
    expect(encode(text).length).toBeGreaterThan(3 * LIMIT);
    const at = encode(doc.slice(0, doc.indexOf(text))).length;
    for (const sizes of [[1], [2], [3], [7], [13, 1, 5], [64], [LIMIT - 1], [LIMIT + 1], [bytes.length]]) {
      const read = parseAll(bytes, sizes, { maxRowBytes: LIMIT });
      expect(read.rows, `chunks of ${sizes.join(",")}`).toEqual([rows[0], rows[1], {}, rows[3], rows[4]]);
      expect(read.skipped).toEqual([{ row: 3, reason: expect.stringContaining("TAGWIRE_MAX_ROW_BYTES"), detail: `row is ${encode(text).length.toLocaleString("en-US")} bytes (starting at byte ${at})` }]);
    }
  });

  it("gives the same rows raw: the skipped row an empty slice, the rows after it keeping their numbers", () => {
    const { rows, bytes } = lookWith(7, new Set([1, 3, 4, 7]));
    const parser = new JsonDetailParser({ maxRowBytes: LIMIT });
    const chunks = rawChunksOf(parser, bytes, 97);
    const kept: Array<{ row: number; value: unknown }> = [];
    const skippedRows: number[] = [];
    for (const raw of chunks) {
      for (const s of raw.skipped ?? []) skippedRows.push(raw.firstRow + s.index);
      const { rows: parsed, skipped } = parseRawRows(raw);
      const at = new Set(skipped?.map((s) => s.index));
      parsed.forEach((row, i) => (at.has(i) ? undefined : kept.push({ row: raw.firstRow + i, value: row })));
    }
    expect(skippedRows).toEqual([1, 3, 4, 7]);
    expect(kept).toEqual([2, 5, 6].map((n) => ({ row: n, value: rows[n - 1] })));
    expect(parser.rowsRead).toBe(7);
  });

  it("numbers the rows after a skipped one as the Look does, in its errors too", () => {
    const big = JSON.stringify(oversize(2));
    const doc = documentOf([fieldsMember, ["data", `[${JSON.stringify(small(1))},${big},${JSON.stringify(small(3))},5]`]]);
    expect(lookError(doc, [11], { maxRowBytes: LIMIT }).message).toMatch(/^Look JSON row 4 \(at byte \d+\) is not an object$/);
  });

  it("skips rows held back until a late fields member, and names them when fields arrives", () => {
    const big = JSON.stringify(oversize(2));
    const doc = documentOf([["data", `[${JSON.stringify(small(1))},${big},${JSON.stringify(small(3))}]`], fieldsMember]);
    const read = parseAll(encode(doc), [5], { maxRowBytes: LIMIT });
    expect(read.rows).toEqual([small(1), {}, small(3)]);
    expect(read.skipped.map((s) => s.row)).toEqual([2]);
  });

  it("keeps no more than the limit of a row, however large, nor of its nesting", () => {
    // 2 MB of one string, then nesting 10 times the limit deep, in a row cut into 4 KB chunks.
    const depth = 10 * LIMIT;
    const big = `{"a":{"value":"${"x".repeat(2_000_000)}"},"b":${'[{"c":'.repeat(depth)}"]}"${"}]".repeat(depth)}}`;
    const doc = documentOf([fieldsMember, ["data", `[${JSON.stringify(small(1))},${big},${JSON.stringify(small(3))}]`]]);
    const bytes = encode(doc);
    const parser = new JsonDetailParser({ maxRowBytes: LIMIT });
    const rows: LookRow[] = [];
    let most = 0;
    for (let at = 0; at < bytes.length; at += 4096) {
      rows.push(...parser.push(bytes.subarray(at, at + 4096)));
      most = Math.max(most, parser["carry"].length, parser["scanner"]["closers"].length);
    }
    rows.push(...parser.end());
    expect(rows).toEqual([small(1), {}, small(3)]);
    expect(most).toBeLessThanOrEqual(LIMIT);
  });

  it("still finds malformed nesting in a skipped row, within the levels it keeps", () => {
    const big = `{"a":{"value":"${"x".repeat(2 * LIMIT)}"},"b":[1}}`;
    const doc = documentOf([fieldsMember, ["data", `[${big}]`]]);
    expect(lookError(doc, [100], { maxRowBytes: LIMIT }).message).toMatch(/^Look JSON is malformed at byte \d+: unexpected '\}', expected '\]'$/);
  });

  it("refuses an oversize row that is not an object, as it refuses a small one", () => {
    const doc = documentOf([fieldsMember, ["data", `[${JSON.stringify(small(1))},${JSON.stringify("s".repeat(3 * LIMIT))}]`]]);
    for (const size of [7, 100_000]) expect(lookError(doc, [size], { maxRowBytes: LIMIT }).message).toMatch(/^Look JSON row 2 \(at byte \d+\) is not an object$/);
  });
});

/** Every row, as `parse` gives them, with the skipped ones numbered in the Look. */
function parseAll(bytes: Uint8Array, sizes: number[], options?: JsonDetailParserOptions): { rows: LookRow[]; skipped: Array<{ row: number; reason: string; detail: string }> } {
  const parser = new JsonDetailParser(options);
  const rows: LookRow[] = [];
  const skipped: Array<{ row: number; reason: string; detail: string }> = [];
  const take = (parsed: ParsedRows) => {
    for (const s of parsed.skipped ?? []) skipped.push({ row: rows.length + s.index + 1, reason: s.reason, detail: s.detail });
    rows.push(...parsed.rows);
  };
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    take(parser.parse(parser.pushRaw(bytes.subarray(at, at + size))));
    at += size;
  }
  take(parser.parse(parser.endRaw()));
  return { rows, skipped };
}
