import { describe, expect, it } from "vitest";
import { JsonDetailParser } from "../../src/look/json-detail-parser.js";
import { LookFormatError } from "../../src/look/look-format-error.js";
import { documentOf, encode, lookerLikeMembers, parseInChunks, parseSplitAt, sampleFields, sampleRows, thrownBy, type Member } from "./look-fixtures.js";

const text = documentOf(lookerLikeMembers(), "\n  ");
const bytes = encode(text);
const expected = JSON.parse(text) as { data: unknown[]; fields: unknown; ran_at: string };

describe("JsonDetailParser chunking", () => {
  it("the fixture really contains the tricky byte sequences", () => {
    expect(text).toContain('\\"');
    expect(text).toContain("\\\\");
    expect(text).toContain("\\u0000");
    expect(text).toContain("\\u00e9");
    expect(text).toMatch(/[\u{1F642}]/u); // a 4-byte UTF-8 character
  });

  it("returns the same rows as JSON.parse for every chunk size from 1 byte to the whole document", () => {
    for (let size = 1; size <= bytes.length; size++) {
      const { rows, parser } = parseInChunks(bytes, [size]);
      expect(rows, `chunk size ${size}`).toEqual(expected.data);
      expect(parser.header?.fields).toEqual(expected.fields);
      expect(parser.ranAt).toBe(expected.ran_at);
    }
  });

  it("returns the same rows for a split at every byte position", () => {
    for (let at = 0; at <= bytes.length; at++) {
      expect(parseSplitAt(bytes, at), `split at ${at}`).toEqual(expected.data);
    }
  });

  it("handles uneven chunk patterns", () => {
    for (const sizes of [[1, 2, 3, 5, 8, 13], [7, 1], [4, 1, 1, 1], [3, 200]]) {
      expect(parseInChunks(bytes, sizes).rows).toEqual(expected.data);
    }
  });

  it("accepts string chunks", () => {
    const codePoints = Array.from(text); // slices of whole code points never split a surrogate pair
    for (const size of [1, 3, 17, 500]) {
      const parser = new JsonDetailParser();
      const rows = [];
      for (let i = 0; i < codePoints.length; i += size) rows.push(...parser.push(codePoints.slice(i, i + size).join("")));
      rows.push(...parser.end());
      expect(rows, `slices of ${size} characters`).toEqual(expected.data);
    }
  });

  it("returns rows as soon as their chunk completes them", () => {
    const parser = new JsonDetailParser();
    const dataStart = text.indexOf('\n  "data"');
    expect(parser.push(text.slice(0, dataStart))).toEqual([]);
    expect(parser.header?.fields).toEqual(sampleFields);
    const firstRowEnd = text.indexOf("},\n{", dataStart) + 1;
    expect(parser.push(text.slice(dataStart, firstRowEnd))).toEqual([sampleRows[0]]);
    expect(parser.rowsRead).toBe(1);
    expect(parser.push(text.slice(firstRowEnd))).toEqual(sampleRows.slice(1));
    expect(parser.end()).toEqual([]);
  });
});

describe("JsonDetailParser document shapes", () => {
  const fieldsMember: Member = ["fields", JSON.stringify(sampleFields)];
  const dataMember: Member = ["data", JSON.stringify(sampleRows)];
  const ranAtMember: Member = ["ran_at", '"2025-01-02T03:04:05Z"'];

  it("keeps pivoted cells as objects keyed by pivot value", () => {
    const { rows } = parseInChunks(encode(documentOf([fieldsMember, dataMember])), [5]);
    expect(rows[0]!["orders.count"]).toEqual({ complete: { value: 3, links: [{ url: "/x?a=[1]" }] }, pending: { value: null } });
  });

  it("buffers rows that come before fields and releases them when fields arrive", () => {
    const doc = documentOf([ranAtMember, dataMember, ["other", '"x"'], fieldsMember]);
    const parser = new JsonDetailParser();
    const fieldsAt = doc.indexOf('"fields"');
    expect(parser.push(doc.slice(0, fieldsAt))).toEqual([]);
    expect(parser.header).toBeUndefined();
    expect(parser.rowsRead).toBe(sampleRows.length);
    expect(parser.push(doc.slice(fieldsAt))).toEqual(sampleRows);
    expect(parser.header).toEqual({ fields: sampleFields, ranAt: "2025-01-02T03:04:05Z" });
    expect(parser.end()).toEqual([]);
  });

  it("fails clearly when too many rows come before fields", () => {
    const doc = documentOf([dataMember, fieldsMember]);
    const error = thrownBy(() => parseInChunks(encode(doc), [10], { maxBufferedRowsBeforeFields: 2 }));
    expect(error).toBeInstanceOf(LookFormatError);
    expect(error.message).toMatch(/more than 2 rows before its "fields" member/);
  });

  it("works without ran_at", () => {
    const { rows, parser } = parseInChunks(encode(documentOf([fieldsMember, dataMember])), [3]);
    expect(rows).toEqual(sampleRows);
    expect(parser.ranAt).toBeUndefined();
    expect(parser.header).toEqual({ fields: sampleFields });
  });

  it("fills in ran_at when it comes after fields", () => {
    const { parser } = parseInChunks(encode(documentOf([fieldsMember, dataMember, ranAtMember])), [64]);
    expect(parser.header?.ranAt).toBe("2025-01-02T03:04:05Z");
  });

  it("treats a non-string ran_at as absent", () => {
    const { parser } = parseInChunks(encode(documentOf([["ran_at", "null"], fieldsMember, dataMember])), [64]);
    expect(parser.ranAt).toBeUndefined();
  });

  it("accepts an empty data array, a null data member and no data member", () => {
    for (const data of [["data", "[]"], ["data", " [ \n ] "], ["data", "null"]] as Member[]) {
      expect(parseInChunks(encode(documentOf([fieldsMember, data])), [1]).rows).toEqual([]);
    }
    expect(parseInChunks(encode(documentOf([fieldsMember])), [1]).rows).toEqual([]);
  });

  it("skips unknown members whatever their content", () => {
    const members: Member[] = [
      ["sql", JSON.stringify('"data": [ {"fields": 1} ] \\ "\\')],
      ["deep", "[".repeat(200) + '"]]]"' + "]".repeat(200)],
      ["obj", '{"data":{"data":[{"}":"{"}]},"fields":[]}'],
      ["num", "-12.5e+10"],
      ["lit", "true"],
      fieldsMember,
      ["after", '[{"a":"]"}]'],
      dataMember,
      ["trailing", '{"data":[]}'],
    ];
    for (const size of [1, 2, 7, 1000]) {
      const { rows, parser } = parseInChunks(encode(documentOf(members, " \r\n\t")), [size]);
      expect(rows).toEqual(sampleRows);
      expect(parser.header?.fields).toEqual(sampleFields);
    }
  });

  it("tolerates missing field lists and null tags, and keeps extra field properties", () => {
    const fields = '{"dimensions":[{"name":"a.b","tags":null,"sql":"x","view_label":"A"}],"measures":null,"filters":[]}';
    const { parser } = parseInChunks(encode(documentOf([["fields", fields], ["data", "[]"]])), [4]);
    expect(parser.header?.fields).toEqual({
      dimensions: [{ name: "a.b", sql: "x", view_label: "A" }],
      measures: [],
      table_calculations: [],
      pivots: [],
    });
  });

  it("accepts a UTF-8 byte order mark and surrounding whitespace", () => {
    const doc = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(`\n ${documentOf([fieldsMember, dataMember])} \n\n`)]);
    for (const size of [1, 2, 4096]) expect(parseInChunks(doc, [size]).rows).toEqual(sampleRows);
  });

  it("reads member names written with escapes", () => {
    const doc = `{"fi\\u0065lds":${JSON.stringify(sampleFields)},"d\\u0061ta":${JSON.stringify(sampleRows)}}`;
    expect(parseInChunks(encode(doc), [3]).rows).toEqual(sampleRows);
  });
});
