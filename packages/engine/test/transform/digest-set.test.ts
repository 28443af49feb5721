import { randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DigestSet } from "../../src/transform/digest-set.js";

describe("DigestSet", () => {
  it("tells a prefix seen before from a new one, across many chunks of one bucket", () => {
    const set = new DigestSet();
    // One high half: every key lands in one bucket, whose chunks then chain.
    const high = 0xabcd1234;
    for (let low = 0; low < 1_000; low++) expect(set.add(high, low)).toBe(true);
    for (let low = 0; low < 1_000; low++) expect(set.add(high, low)).toBe(false);
    // The same low half in another bucket is another prefix.
    expect(set.add(0x0bcd1234, 5)).toBe(true);
  });

  it("keeps every prefix of a large random run exactly once", () => {
    const n = 200_000;
    const halves = new Uint32Array(2 * n);
    randomFillSync(halves);
    const set = new DigestSet();
    let added = 0;
    for (let i = 0; i < n; i++) if (set.add(halves[2 * i]!, halves[2 * i + 1]!)) added++;
    expect(added).toBe(n);
    let again = 0;
    for (let i = 0; i < n; i++) if (set.add(halves[2 * i]!, halves[2 * i + 1]!)) again++;
    expect(again).toBe(0);
  });

  it("treats the bits below the bucket in the high half as the same prefix (46 bits kept)", () => {
    const set = new DigestSet();
    expect(set.add(0xfffc0000, 7)).toBe(true);
    // Differs from the first only in high bits the set does not keep.
    expect(set.add(0xfffc0001, 7)).toBe(false);
  });
});
