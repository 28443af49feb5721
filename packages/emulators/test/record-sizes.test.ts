// Record sizes are the bytes each record took in the body, found by a scan instead of serialising
// every record again; for a body the engine sends (JSON.stringify of records) they are the records'
// serialised sizes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { recordSizes } from "../src/record-sizes.js";

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe("recordSizes", () => {
  it("equals each record's serialised size, in a top-level array or under a key (any JSON records)", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), fc.jsonValue(), (records, other) => {
        expect(recordSizes(bytes(JSON.stringify(records)), undefined)).toEqual(records.map(size));
        const body = JSON.stringify({ first: other, batch: records, sentAt: "2026-01-01T00:00:00.000Z" });
        expect(recordSizes(bytes(body), "batch")).toEqual(records.map(size));
      }),
    );
  });

  it("counts the bytes as sent: whitespace, escapes and multi-byte characters", () => {
    const body = ' { "sentAt" : "x" ,\n "batch" : [ {"a": "é\\"]}"} , [1, {"b": []}] ,"東京", 12.5e3 ] } ';
    expect(recordSizes(bytes(body), "batch")).toEqual([Buffer.byteLength('{"a": "é\\"]}"}'), Buffer.byteLength('[1, {"b": []}]'), Buffer.byteLength('"東京"'), 6]);
  });

  it("takes the last of a repeated key, as JSON.parse does", () => {
    expect(recordSizes(bytes('{"batch":[1],"batch":[22,333]}'), "batch")).toEqual([2, 3]);
  });

  it("is undefined when the records are not where the envelope says", () => {
    expect(recordSizes(bytes('{"batch":[1]}'), undefined)).toBeUndefined();
    expect(recordSizes(bytes("[1]"), "batch")).toBeUndefined();
    expect(recordSizes(bytes('{"events":[1]}'), "batch")).toBeUndefined();
    expect(recordSizes(bytes('{"batch":{"a":1}}'), "batch")).toBeUndefined();
  });
});
