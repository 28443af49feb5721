import { hash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DIGEST_HEX, DigestBytes, digestAt, Occurrences } from "../../src/transform/ids.js";

describe("digests as hex bytes (how a worker hands them over)", () => {
  const digests = ["a", "b", "a", "c", "a", "b"].map((s) => hash("sha256", s));

  it("are counted as their strings are: the nth repeat of a digest is occurrence n", () => {
    const bytes = new DigestBytes();
    for (const d of digests) bytes.push(d);
    const hex = bytes.take();
    expect(hex.length).toBe(digests.length * DIGEST_HEX);
    const fromBytes = new Occurrences();
    const fromStrings = new Occurrences();
    const counted = digests.map((_, i) => fromBytes.nextAt(hex, i * DIGEST_HEX));
    expect(counted).toEqual([0, 0, 1, 0, 2, 1]);
    expect(counted).toEqual(digests.map((d) => fromStrings.next(d)));
    expect(digests.map((_, i) => digestAt(hex, i * DIGEST_HEX))).toEqual(digests);
  });

  it("start again after each take, in a buffer of their own", () => {
    const bytes = new DigestBytes();
    bytes.push(digests[0]!);
    const first = bytes.take();
    bytes.push(digests[1]!);
    const second = bytes.take();
    expect(digestAt(first, 0)).toBe(digests[0]);
    expect(digestAt(second, 0)).toBe(digests[1]);
    expect(second.length).toBe(DIGEST_HEX);
    expect(first.buffer).not.toBe(second.buffer);
  });
});
