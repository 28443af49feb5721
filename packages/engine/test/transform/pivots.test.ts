// Pivoted measures (json_detail: `{ "<pivot value>": {value}, ..., "$$$_row_total_$$$": {value} }`):
// each pivot value becomes its own key, `<key>_<pivot value>`; the row total is never sent; a
// column whose target takes one value is refused with a diagnostic that says why.
import { describe, expect, test } from "vitest";
import { plan } from "../../src/index.js";
import { field, fields, measure } from "../support/look-builder.js";
import { allValues, amplitude, braze, diagnostics, mparticle, planOk, rejected, segment, send, targetOf } from "../support/send.js";

const status = field("orders.status");
const email = field("users.email", ["mp_email"]);
const cells = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v }]));

describe("a pivoted measure on a keyed target", () => {
  const p = planOk(mparticle, { fields: fields([email, measure("orders.count", ["mp_user_attribute"])], [status]) });

  test("each pivot value is its own key; the row total is never sent", () => {
    const { record } = send(p, { "users.email": { value: "ann@example.com" }, "orders.count": cells({ complete: 3, pending: 1, cancelled: null, $$$_row_total_$$$: 4 }) } as never);
    expect(record["user_attributes"]).toEqual({ "looker_orders.count_complete": 3, "looker_orders.count_pending": 1 });
    expect(allValues(record)).not.toContain(4);
  });

  test("several pivot dimensions: Looker's |FIELD| between their values becomes _", () => {
    const two = planOk(mparticle, { fields: fields([email, measure("orders.count", ["mp_user_attribute"])], [status, field("orders.month")]) });
    const { record } = send(two, { "users.email": { value: "ann@example.com" }, "orders.count": cells({ "complete|FIELD|2026-01": 2, "pending|FIELD|2026-01": 1 }) } as never);
    expect(record["user_attributes"]).toEqual({ "looker_orders.count_complete_2026-01": 2, "looker_orders.count_pending_2026-01": 1 });
  });

  test("a value the rule refuses names its pivot value", () => {
    const b = planOk(braze, { fields: fields([field("users.id", ["braze_id"]), measure("orders.note", ["braze_attribute"])], [status]) });
    const out = rejected(b, { "users.id": { value: "u-1" }, "orders.note": cells({ complete: "ok", pending: "x".repeat(300) }) } as never);
    expect(out.column).toBe("orders.note");
    expect(out.detail).toContain('(pivot value "pending")');
  });

  test("keys follow the key rule's case and maxLength, on a character boundary", () => {
    const s = planOk(segment, { fields: fields([field("users.id", ["user_id"]), measure("orders.count")], [status]) });
    expect(send(s, { "users.id": { value: "u1" }, "orders.count": cells({ "Très Bien": 1 }) } as never).record["traits"]).toEqual({ "count_très bien": 1 });

    const b = planOk(braze, { fields: fields([field("users.id", ["braze_id"]), measure("orders.count", ["braze_attribute"])], [status]) });
    const pivot = "\u{1F600}".repeat(300);
    const { record, warnings } = send(b, { "users.id": { value: "u-1" }, "orders.count": cells({ [pivot]: 1, short: 2 }) } as never);
    const key = Object.keys(record).find((k) => k.startsWith("count_") && k !== "count_short")!;
    expect([...key]).toHaveLength(255);
    expect(key.endsWith("\u{1F600}")).toBe(true);
    // Said, as a column's long key is: once, for the pivot value cut, naming the column and the limit.
    expect(warnings).toEqual([expect.objectContaining({ rowNumber: 1, column: "orders.count", reason: expect.stringContaining("pivot value's key is longer than 255 characters: sent truncated") })]);
  });

  test("more pivot values than the API accepts keys rejects the row, naming the column and the limit", () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`s${i}`, i + 1]));
    const out = rejected(p, { "users.email": { value: "ann@example.com" }, "orders.count": cells(many) } as never);
    expect(out.column).toBe("orders.count");
    expect(out.reason).toContain("pivot values make more keys than `user_attributes` accepts");
    expect(out.detail).toContain("at most 100");
  });

  test("a pivot value's key that another column already writes rejects the row instead of overwriting it", () => {
    const s = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.x", [], { label_short: "count_complete" }), measure("orders.count")], [status]) });
    const out = rejected(s, { "users.id": { value: "u1" }, "users.x": { value: "kept" }, "orders.count": cells({ complete: 3 }) } as never);
    expect(out.detail).toContain("`count_complete`");
  });

  test("Amplitude event properties too", () => {
    const a = planOk(amplitude, { fields: fields([field("users.id", ["amplitude_user_id"]), measure("orders.total", ["amplitude_event_property"])], [status]), options: { event_type: "E" } });
    expect(send(a, { "users.id": { value: "user-1" }, "orders.total": cells({ complete: 9.5, $$$_row_total_$$$: 9.5 }) } as never).record["event_properties"]).toEqual({ "orders.total_complete": 9.5 });
  });
});

describe("a pivoted measure on a fixed target is refused", () => {
  test.each([
    ["mParticle identity", mparticle, "mp_customer_id", {}, "user_identities.customer_id"],
    ["Segment user id", segment, "user_id", {}, "userId"],
    ["mParticle event name", mparticle, "mp_event_name", { data_type: "event_data" }, "events.data.event_name"],
  ] as const)("%s: an error that says why", (_what, connector, tag, options, target) => {
    const p = plan(connector, { fields: fields([field("users.email", ["mp_email", "email"]), measure("orders.id", [tag])], [status]), options });
    expect(p.ok).toBe(false);
    const [error] = diagnostics(p, "pivot-not-allowed", "orders.id");
    expect(error?.severity).toBe("error");
    expect(error?.message).toBe(`pivoted measure has one value per pivot value, and \`${target}\` takes a single value: not sent`);
    expect(targetOf(p, "orders.id")).toBeUndefined();
  });

  test("a keyed target that accepts only its own keys refuses it too", () => {
    const p = plan(mparticle, { fields: fields([email, measure("devices.platform", ["mp_device_info"])], [status]), options: { data_type: "event_data" } });
    expect(diagnostics(p, "pivot-not-allowed", "devices.platform")[0]?.message).toContain("accepts only its own keys");
  });
});
