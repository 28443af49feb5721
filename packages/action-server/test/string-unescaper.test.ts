import { describe, expect, it } from "vitest";
import { INCOMPLETE } from "@tagwire/engine";
import { StringUnescaper } from "../src/looker/string-unescaper.js";
import { BadRequest } from "../src/looker/execute-request.js";

/** Unescapes the JSON string `literal` (quotes included) cut into chunks of `size` bytes, with pieces of `pieceBytes`. */
function unescape(literal: string, size: number, pieceBytes = 64 * 1024): { bytes: Buffer; pieces: number[] } {
  const bytes = Buffer.from(literal, "utf8");
  const unescaper = new StringUnescaper(pieceBytes);
  const out: Uint8Array[] = [];
  for (let at = 1; at < bytes.length; at += size) {
    const { out: pieces, end } = unescaper.run(bytes.subarray(at, Math.min(at + size, bytes.length)), 0);
    out.push(...pieces);
    if (end !== INCOMPLETE) {
      expect(at + end).toBe(bytes.length);
      return { bytes: Buffer.concat(out), pieces: out.map((p) => p.length) };
    }
  }
  throw new Error("the closing quote was not found");
}

/** What JSON.parse makes of the literal, as UTF-8 (lone surrogates become U+FFFD). */
const expected = (literal: string) => Buffer.from(JSON.parse(literal) as string, "utf8");

describe("StringUnescaper", () => {
  const literals = [
    JSON.stringify('{"a":{"value":"x \\"q\\" / é 😀 \t \n \u0001"}}'),
    String.raw`"\/\b\f\n\r\t\"\\ \u00e9 \u20AC \uD83D\uDE00 \ud83d\ude00"`,
    // Lone surrogates, a high one before a plain character and before another escape.
    String.raw`"a\uD83Db \uDE00 \uD83D\n \uD83D\uD83D\uDE00 end\uD83D"`,
  ];

  it.each([1, 2, 3, 5, 7, 64])("gives what JSON.parse gives, in %i-byte chunks", (size) => {
    for (const literal of literals) expect(unescape(literal, size).bytes).toEqual(expected(literal));
  });

  it("hands on whole pieces of the given size, and the rest at the closing quote", () => {
    const literal = JSON.stringify("ab\"c".repeat(10));
    const { bytes, pieces } = unescape(literal, 7, 16);
    expect(bytes).toEqual(expected(literal));
    expect(pieces).toEqual([16, 16, 8]);
  });

  it.each([
    [String.raw`"\q"`, /`\\q` is not an escape/],
    [String.raw`"\u12G4"`, /`\\u12G4` is not an escape/],
    ['"a\u0001"', /a control character/],
  ])("refuses %s", (literal, message) => {
    for (const size of [1, 64]) {
      expect(() => unescape(literal, size)).toThrow(BadRequest);
      expect(() => unescape(literal, size)).toThrow(message);
    }
  });
});
