import { describe, expect, it } from "vitest";
import { JsonDetailParser } from "../../src/look/json-detail-parser.js";
import { LookFormatError } from "../../src/look/look-format-error.js";
import { documentOf, encode, parseInChunks, sampleFields, sampleRows, thrownBy, type Member } from "./look-fixtures.js";

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

  it("rejects a row larger than maxRowBytes, whether it arrives whole or in pieces", () => {
    for (const size of [1, 50, 100_000]) {
      const error = lookError(bigDoc, [size], { maxRowBytes: 2048 });
      expect(error.message).toMatch(/^a row is larger than 2 KiB \(row 2, starting at byte \d+\)/);
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
    const huge = `{"fields":{},"data":[{"a":{"value":"${"z".repeat(8 * 1024 * 1024)}"}}]}`;
    expect(lookError(huge, [1024 * 1024]).message).toMatch(/^a row is larger than 8 MiB \(row 1, starting at byte 21\)/);
  });
});
