// A `key` rule without `target` writes top-level keys of the record (Braze's custom attributes sit
// beside its identifiers in each attributes object).
import { describe, expect, test } from "vitest";
import { validateManifest } from "../../src/manifest/load.js";
import { plan } from "../../src/plan/plan.js";
import { providersOf } from "../../src/plan/hints.js";
import { compilePath, setAt } from "../../src/transform/path.js";
import { field, fields, measure, row } from "../support/look-builder.js";
import { braze, diagnostics, errors, planOk, send, targetOf } from "../support/send.js";
import { mutated, realFile, set } from "../manifest/mutate.js";

const id = field("users.id", ["braze_id"]);
const ltv = field("users.lifetime_value", ["braze_attribute"]);
const plan_ = field("accounts.plan", ["braze_attribute"]);

describe("paths", () => {
  test("a key under the record itself is a one-step path", () => {
    const path = compilePath("", "plan");
    expect(path).toEqual({ text: "plan", steps: [{ key: "plan", array: false, plain: true }] });
    const record: Record<string, unknown> = { external_id: "u1" };
    setAt(record, path, "gold");
    expect(record).toEqual({ external_id: "u1", plan: "gold" });
  });

  test("a key that objects inherit is marked, so it is only read and written as an own property", () => {
    expect(compilePath("traits.__proto__").steps.map((s) => s.plain)).toEqual([true, false]);
    expect(compilePath("constructor[].name").steps.map((s) => s.plain)).toEqual([false, true]);
    const record: Record<string, unknown> = {};
    setAt(record, compilePath("constructor.__proto__"), "x");
    expect(JSON.stringify(record)).toBe('{"constructor":{"__proto__":"x"}}');
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });

  test("the record itself is not a place for a value", () => {
    expect(() => compilePath("")).toThrow("a target path needs at least one key");
  });
});

describe("planning", () => {
  test("each column adds its key at the top level, beside the identifiers", () => {
    const p = planOk(braze, { fields: fields([id, ltv, plan_]) });
    expect(targetOf(p, "users.lifetime_value")).toBe("lifetime_value");
    expect(targetOf(p, "accounts.plan")).toBe("plan");
    const { record } = send(p, row({ "users.id": "u-1", "users.lifetime_value": 310.5, "accounts.plan": "gold" }));
    expect(record).toEqual({ external_id: "u-1", lifetime_value: 310.5, plan: "gold", _update_existing_only: true });
  });

  test("a key that is also an identifier's place is a collision, named with both columns", () => {
    const email = field("users.email", ["braze_email"]);
    const emailAttribute = field("contacts.email", ["braze_attribute"]);
    const p = plan(braze, { fields: fields([id, email, emailAttribute]) });
    expect(errors(p)).toEqual([
      expect.objectContaining({ code: "target-collision", column: "contacts.email", message: "columns `users.email` and `contacts.email` both map to `email`." }),
    ]);
  });

  test("maxKeys counts the keys written at the top level", () => {
    const limited = validateManifest(mutated("braze", set("/columns/6/maxKeys", 1)), realFile("braze"));
    const p = plan(limited, { fields: fields([id, ltv, plan_]) });
    expect(errors(p)).toEqual([expect.objectContaining({ code: "too-many-keys", message: "2 columns map to the record's top level; Braze accepts at most 1." })]);
  });

  test("a pivoted measure's keys are top-level keys, one per pivot value", () => {
    const orders = measure("orders.count", ["braze_attribute"]);
    const p = plan(braze, { fields: fields([id, orders], [field("orders.month")]) });
    expect(targetOf(p, "orders.count")).toBe("count_<pivot value>");
  });

  test("a pivoted measure is refused in words that name the top level when the rule allows only some keys", () => {
    const allowed = validateManifest(mutated("braze", set("/columns/6/key/allowed", ["count"])), realFile("braze"));
    const p = plan(allowed, { fields: fields([id, measure("orders.count", ["braze_attribute"])], [field("orders.month")]) });
    expect(diagnostics(p, "pivot-not-allowed", "orders.count")[0]!.message).toBe(
      "pivoted measure would be sent under keys named after its pivot values, and the record's top level accepts only its own keys: not sent",
    );
  });

  test("a key the rule does not allow is refused in words that name the top level", () => {
    const allowed = validateManifest(mutated("braze", set("/columns/6/key/allowed", ["plan"])), realFile("braze"));
    const p = plan(allowed, { fields: fields([id, ltv, plan_]) });
    expect(diagnostics(p, "key-not-allowed", "users.lifetime_value")[0]!.message).toBe(
      "`lifetime_value` is not a key the API accepts in the record's top level: not sent",
    );
    expect(targetOf(p, "accounts.plan")).toBe("plan");
  });
});

describe("hints", () => {
  // A `rest` rule without target: every untagged column becomes a top-level key.
  const withRest = validateManifest(
    mutated("braze", set("/columns/-", { id: "untagged", select: { rest: true }, key: { from: "field" }, value: "attribute" })),
    realFile("braze"),
  );

  test("a top-level key is provided by a column of that name", () => {
    expect(providersOf(withRest.manifest, {}, "lifetime_value")).toEqual({ tags: [], columns: ["a field named `lifetime_value`"] });
  });

  test("a deeper path is not a top-level key", () => {
    expect(providersOf(withRest.manifest, {}, "user_alias.alias_name")).toEqual({ tags: ["braze_alias_name"], columns: [] });
  });

  test("untagged columns land at the top level", () => {
    const p = planOk(withRest, { fields: fields([id, field("users.city")]) });
    expect(send(p, row({ "users.id": "u-2", "users.city": "Lyon" })).record).toEqual({ external_id: "u-2", city: "Lyon", _update_existing_only: true });
  });
});
