import { describe, expect, it } from "vitest";
import { groupDigits } from "../src/group-digits.js";

describe("groupDigits", () => {
  it("writes what toLocaleString('en-US') writes, for counts, byte sizes and seconds", () => {
    const values = [0, 1, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 8_388_608, 4_294_967_296, 9_007_199_254_740_991, -1, -1234, 2.5, 0.1234, 1234.5678, 30, 0.0004, -0.0004, 1999.9996];
    for (const v of values) expect(groupDigits(v), String(v)).toBe(v.toLocaleString("en-US"));
  });

  it("leaves what is not a finite number as JavaScript writes it", () => {
    expect(groupDigits(Number.NaN)).toBe("NaN");
    expect(groupDigits(Number.POSITIVE_INFINITY)).toBe("Infinity");
  });
});
