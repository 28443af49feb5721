import { describe, expect, it } from "vitest";
import { allFields, isCell, isPivotedCell } from "../../src/look/types.js";
import { sampleFields } from "./look-fixtures.js";

describe("Look types", () => {
  it("lists dimensions, measures and table calculations in that order, without pivots", () => {
    expect(allFields(sampleFields).map((f) => f.name)).toEqual(["users.email", "users.city", "orders.count", "tier"]);
  });

  it("tells cells from pivoted cells", () => {
    expect(isCell({ value: null })).toBe(true);
    expect(isPivotedCell({ value: 1 })).toBe(false);
    expect(isPivotedCell({ complete: { value: 1 }, pending: { value: null, rendered: "-" } })).toBe(true);
    expect(isPivotedCell({ complete: { value: 1 }, bad: 3 })).toBe(false);
    expect(isPivotedCell({ complete: 1 })).toBe(false);
    expect(isPivotedCell({})).toBe(true); // a pivoted measure with no pivot columns
    for (const v of [null, undefined, 1, "x", [{ value: 1 }]]) expect(isPivotedCell(v)).toBe(false);
  });
});
