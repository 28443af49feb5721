// Value rules `minLength` and `notIn`: strings the API refuses although their type is right.
import { describe, expect, test } from "vitest";
import { compileValueCheck, Violation } from "../../src/transform/values.js";

describe("minLength", () => {
  const check = compileValueCheck({ types: ["string"], coerce: "string", minLength: 5, onInvalid: "reject" });

  test("a string of at least minLength characters passes", () => {
    expect(check("abcde")).toBe("abcde");
    expect(check("abcdef")).toBe("abcdef");
  });

  test("a shorter string is invalid, with its length in the detail", () => {
    const v = check("abcd") as Violation;
    expect(v).toBeInstanceOf(Violation);
    expect(v.action).toBe("reject");
    expect(v.kind).toBe("is shorter than 5 characters");
    expect(v.detail).toBe('"abcd" is 4 characters long; at least 5 are needed');
  });

  test("applies after coerce: a short number becomes a short string", () => {
    expect((check(1234) as Violation).kind).toBe("is shorter than 5 characters");
    expect(check(12345)).toBe("12345");
  });

  test("onInvalid drop leaves the value out instead of rejecting the row", () => {
    const drop = compileValueCheck({ types: ["string"], minLength: 3, onInvalid: "drop" });
    expect((drop("ab") as Violation).action).toBe("drop");
  });

  test("does not apply to numbers that stay numbers", () => {
    const numbers = compileValueCheck({ types: ["string", "number"], minLength: 5 });
    expect(numbers(7)).toBe(7);
  });

  test("each element of a list is checked", () => {
    const list = compileValueCheck({ types: ["string"], arrays: true, minLength: 2 });
    expect(list(["ab", "cd"])).toEqual(["ab", "cd"]);
    expect((list(["ab", "c"]) as Violation).kind).toBe("is shorter than 2 characters");
  });

  test("with maxLength, both ends hold", () => {
    const both = compileValueCheck({ types: ["string"], minLength: 2, maxLength: 3 });
    expect(both("abc")).toBe("abc");
    expect((both("a") as Violation).kind).toBe("is shorter than 2 characters");
    expect((both("abcd") as Violation).kind).toBe("is longer than 3 characters");
  });
});

describe("notIn", () => {
  const check = compileValueCheck({ types: ["string"], coerce: "string", notIn: ["null", "unknown", "-1"], onInvalid: "drop" });

  test("a listed value is invalid", () => {
    const v = check("unknown") as Violation;
    expect(v).toBeInstanceOf(Violation);
    expect(v.action).toBe("drop");
    expect(v.kind).toBe("is a value the API refuses");
    expect(v.detail).toBe('"unknown" is a value the API refuses');
  });

  test("compares after coerce", () => {
    expect((check(-1) as Violation).kind).toBe("is a value the API refuses");
  });

  test("compares without regard to case or surrounding spaces: NULL and Unknown are placeholders too", () => {
    for (const placeholder of ["NULL", "Null", "Unknown", "UNKNOWN", " null ", "unknown\t"]) {
      expect((check(placeholder) as Violation).kind, placeholder).toBe("is a value the API refuses");
    }
  });

  test("other values pass, as they are", () => {
    expect(check("nullable")).toBe("nullable");
    expect(check("user-1")).toBe("user-1");
    expect(check("Unknown Pleasures")).toBe("Unknown Pleasures");
  });

  test("onInvalid reject rejects the row", () => {
    const reject = compileValueCheck({ types: ["string"], notIn: ["n/a"] });
    expect((reject("n/a") as Violation).action).toBe("reject");
  });
});
