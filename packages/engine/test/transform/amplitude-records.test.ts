import { describe, expect, test } from "vitest";
import { plan } from "../../src/plan/plan.js";
import { recordId } from "../../src/transform/ids.js";
import { scopeOf } from "../../src/transform/transform.js";
import { field, fields, measure, row, run } from "../support/look-builder.js";
import { amplitude, diagnostics, errors, planOk, rejected, send } from "../support/send.js";

const userId = field("users.id", ["amplitude_user_id"]);
const deviceId = field("users.device", ["amplitude_device_id"]);
const plan_ = field("users.plan");
const total = field("orders.total", ["amplitude_event_property"]);
const options = { event_type: "Looker Export" };

describe("Amplitude events", () => {
  test("one event per row: ids, event_type from the option, untagged columns as user properties, time and insert_id filled", () => {
    const p = planOk(amplitude, { fields: fields([userId, plan_, total]), options });
    const { record, warnings } = send(p, row({ "users.id": "user-0001", "users.plan": "gold", "orders.total": 99.5 }), { rowNumber: 3 });
    expect(warnings).toEqual([]);
    // The id is derived from the record's content, without the run's fills (time and the id itself).
    const { time: _, insert_id: __, ...content } = record;
    expect(record).toEqual({
      user_id: "user-0001",
      user_properties: { "users.plan": "gold" },
      event_properties: { "orders.total": 99.5 },
      event_type: "Looker Export",
      time: run.ranAtMs,
      insert_id: recordId(scopeOf(p.program, run), JSON.stringify(content)),
    });
  });

  test("untagged columns can be event properties instead", () => {
    const p = planOk(amplitude, { fields: fields([userId, plan_]), options: { ...options, untagged_columns: "event_properties" } });
    expect(send(p, row({ "users.id": "user-0001", "users.plan": "gold" })).record["event_properties"]).toEqual({ "users.plan": "gold" });
  });

  test("amplitude_time sets the event time", () => {
    const p = planOk(amplitude, { fields: fields([userId, field("events.at_ms", ["amplitude_time"])]), options });
    expect(send(p, row({ "users.id": "user-0001", "events.at_ms": "1762000000000" })).record["time"]).toBe(1762000000000);
  });

  test("a pivoted measure is one property per pivot value", () => {
    const p = planOk(amplitude, { fields: fields([userId, measure("orders.count")], [field("orders.month")]), options });
    const pivotedRow = { "users.id": { value: "user-0001" }, "orders.count": { "2026-01": { value: 2 }, "2026-02": { value: 5 }, $$$_row_total_$$$: { value: 7 } } };
    expect(send(p, pivotedRow as never).record["user_properties"]).toEqual({ "orders.count_2026-01": 2, "orders.count_2026-02": 5 });
  });
});

describe("Amplitude ids", () => {
  const p = planOk(amplitude, { fields: fields([userId, deviceId, plan_]), options });

  test("a user id shorter than 5 characters is left out, with a warning, as Amplitude would drop it", () => {
    const { record, warnings } = send(p, row({ "users.id": "u-1", "users.device": "device-abc", "users.plan": "gold" }));
    expect(record).not.toHaveProperty("user_id");
    expect(record["device_id"]).toBe("device-abc");
    expect(warnings).toEqual([expect.objectContaining({ reason: "`users.id` (amplitude_user_id) is shorter than 5 characters: value left out (rule user-id)" })]);
  });

  test("a placeholder id is left out", () => {
    const { record, warnings } = send(p, row({ "users.id": "unknown", "users.device": "device-abc" }));
    expect(record).not.toHaveProperty("user_id");
    expect(warnings[0]!.reason).toBe("`users.id` (amplitude_user_id) is a value the API refuses: value left out (rule user-id)");
  });

  test("a row left with neither id is rejected, not sent to fail its whole request", () => {
    const out = rejected(p, row({ "users.id": "null", "users.device": "abc", "users.plan": "gold" }));
    expect(out.reason).toBe("row has no user id or device id (requirement identifier)");
    expect(out.detail).toBe("row has no user id or device id: `users.id` (amplitude_user_id), `users.device` (amplitude_device_id) are all empty");
  });
});

describe("Amplitude plans", () => {
  test("the event type is required", () => {
    const p = plan(amplitude, { fields: fields([userId]) });
    expect(errors(p).map((d) => d.code)).toEqual(["missing-option"]);
  });

  test("a reserved event type breaks the wire schema on every row", () => {
    const p = planOk(amplitude, { fields: fields([userId]), options: { event_type: "[Amplitude] Revenue" } });
    expect(rejected(p, row({ "users.id": "user-0001" })).reason).toBe("record breaks the destination's wire schema at /event_type: must NOT be valid");
  });

  test("a Look without an id column cannot be sent", () => {
    const p = plan(amplitude, { fields: fields([plan_]), options });
    expect(errors(p)[0]).toMatchObject({ code: "missing-requirement", message: "no column provides the user id or device id (one of user_id, device_id)." });
    expect(errors(p)[0]!.hint).toContain("`amplitude_user_id`");
  });

  test("a misspelt amplitude_ tag gets a did-you-mean", () => {
    const p = plan(amplitude, { fields: fields([userId, field("users.x", ["amplitude_user_propery"])]), options });
    expect(diagnostics(p, "unknown-tag", "users.x")[0]!.message).toContain("did you mean `amplitude_user_property`?");
  });
});
