import { describe, expect, test } from "vitest";
import { plan } from "../../src/plan/plan.js";
import { field, fields, measure, row } from "../support/look-builder.js";
import { allValues, braze, diagnostics, errors, planOk, rejected, send, UUID } from "../support/send.js";

const id = field("users.id", ["braze_id"]);
const email = field("users.email", ["braze_email"]);
const phone = field("users.phone", ["braze_phone"]);
const aliasName = field("users.device", ["braze_alias_name"]);
const aliasLabel = field("users.device_kind", ["braze_alias_label"]);
const ltv = field("users.lifetime_value", ["braze_attribute"]);
const vip = field("users.is_vip", ["braze_attribute"]);

describe("Braze attributes objects", () => {
  test("the braze_id column is the external_id; attributes are top-level keys; existing profiles only", () => {
    const p = planOk(braze, { fields: fields([id, ltv, vip]) });
    const { record, warnings } = send(p, row({ "users.id": "u-1", "users.lifetime_value": 310.5, "users.is_vip": true }));
    expect(warnings).toEqual([]);
    expect(record).toEqual({ external_id: "u-1", lifetime_value: 310.5, is_vip: true, _update_existing_only: true });
  });

  test("Unique Key braze_id sends the column as braze_id", () => {
    const p = planOk(braze, { fields: fields([id, ltv]), options: { braze_key: "braze_id" } });
    expect(send(p, row({ "users.id": "5e8f", "users.lifetime_value": 1 })).record).toEqual({ braze_id: "5e8f", lifetime_value: 1, _update_existing_only: true });
  });

  test("Profiles = create sends _update_existing_only false", () => {
    const p = planOk(braze, { fields: fields([id]), options: { update_existing_only: "false" } });
    expect(send(p, row({ "users.id": "u-1" })).record).toEqual({ external_id: "u-1", _update_existing_only: false });
  });

  test("a numeric id is sent as text", () => {
    const p = planOk(braze, { fields: fields([id]) });
    expect(send(p, row({ "users.id": 42 })).record["external_id"]).toBe("42");
  });

  test("email, phone and a user alias identify the user too", () => {
    const p = planOk(braze, { fields: fields([email, phone, aliasName, aliasLabel, ltv]) });
    expect(send(p, row({ "users.email": "ann@example.com", "users.phone": null, "users.device": null, "users.device_kind": null, "users.lifetime_value": 2 })).record)
      .toEqual({ email: "ann@example.com", lifetime_value: 2, _update_existing_only: true });
    expect(send(p, row({ "users.email": null, "users.phone": "+15043277269", "users.device": null, "users.device_kind": null })).record)
      .toEqual({ phone: "+15043277269", _update_existing_only: true });
    expect(send(p, row({ "users.email": null, "users.phone": null, "users.device": "d-9", "users.device_kind": "device_id" })).record)
      .toEqual({ user_alias: { alias_name: "d-9", alias_label: "device_id" }, _update_existing_only: true });
  });

  test("no deduplication id is added: Braze has none", () => {
    const p = planOk(braze, { fields: fields([id, ltv]) });
    const { record } = send(p, row({ "users.id": "u-1", "users.lifetime_value": 3 }));
    expect(allValues(record).filter((v) => typeof v === "string" && UUID.test(v))).toEqual([]);
  });
});

describe("Braze rejections", () => {
  const p = planOk(braze, { fields: fields([id, email, aliasName, aliasLabel, ltv]) });

  test("a row without any identifier names the identifier columns", () => {
    const out = rejected(p, row({ "users.id": null, "users.email": "", "users.device": null, "users.device_kind": null, "users.lifetime_value": 5 }));
    expect(out.reason).toBe("row has no user identifier (external_id, braze_id, email, phone or user alias) (requirement identifier)");
    expect(out.detail).toContain("`users.id` (braze_id), `users.email` (braze_email), `users.device` (braze_alias_name) are all empty");
  });

  test("an alias name without its label breaks the wire schema", () => {
    const out = rejected(p, row({ "users.id": "u-1", "users.email": null, "users.device": "d-9", "users.device_kind": null }));
    expect(out.reason).toBe("record breaks the destination's wire schema at /user_alias: must have required property 'alias_label'");
  });

  test("an attribute over 255 characters rejects the row", () => {
    const out = rejected(p, row({ "users.id": "u-1", "users.lifetime_value": "x".repeat(256) }));
    expect(out.reason).toBe("`users.lifetime_value` (braze_attribute) is longer than 255 characters (rule attribute)");
  });
});

describe("Braze plans", () => {
  test("a Look without an identifier column cannot be sent, and says which tags would do", () => {
    const p = plan(braze, { fields: fields([ltv]) });
    expect(errors(p)).toEqual([
      expect.objectContaining({
        code: "missing-requirement",
        message: "no column provides the user identifier (external_id, braze_id, email, phone or user alias) (one of external_id, braze_id, email, phone, user_alias.alias_name).",
      }),
    ]);
    expect(errors(p)[0]!.hint).toContain("`braze_id`");
    expect(errors(p)[0]!.hint).toContain("`braze_alias_name`");
  });

  test("untagged columns are not sent: attributes cost data points, so only tagged ones go", () => {
    const p = planOk(braze, { fields: fields([id, field("users.city")]) });
    expect(diagnostics(p, "untagged", "users.city")).toHaveLength(1);
    expect(send(p, row({ "users.id": "u-1", "users.city": "Lyon" })).record).toEqual({ external_id: "u-1", _update_existing_only: true });
  });

  test("a pivoted attribute is one attribute per pivot value, each a single value", () => {
    const p = planOk(braze, { fields: fields([id, measure("orders.count", ["braze_attribute"])], [field("orders.month")]) });
    const { record } = send(p, { "users.id": { value: "u-1" }, "orders.count": { "2026-01": { value: 2 }, "2026-02": { value: 5 }, $$$_row_total_$$$: { value: 7 } } } as never);
    expect(record).toEqual({ external_id: "u-1", "count_2026-01": 2, "count_2026-02": 5, _update_existing_only: true });
  });

  test("a misspelt braze_ tag gets a did-you-mean", () => {
    const p = plan(braze, { fields: fields([id, field("users.plan", ["braze_atribute"])]) });
    expect(diagnostics(p, "unknown-tag", "users.plan")[0]!.message).toContain("did you mean `braze_attribute`?");
  });
});
