// Tags that are near misses of a tag the connector knows, and identities that are only spaces.
import { describe, expect, test } from "vitest";
import { plan } from "../../src/index.js";
import { field, fields, row } from "../support/look-builder.js";
import { amplitude, diagnostics, mparticle, planOk, rejected, segment, send, targetOf } from "../support/send.js";

const segmentEmail = field("users.email", ["email"]);
const mpEmail = field("users.email", ["mp_email"]);

describe("a near miss of a known tag", () => {
  test.each([
    ["user-id", "user_id"],
    ["User_ID", "user_id"],
    ["usr_id", "user_id"],
    ["mp_user_id", "user_id"],
  ])("`%s` on a Segment Look that then has no userId is an error naming the column, the tag, `%s` and the requirement", (tag, intended) => {
    const p = plan(segment, { fields: fields([segmentEmail, field("users.id", [tag])]) });
    expect(p.ok).toBe(false);
    const [error] = diagnostics(p, "near-miss-tag", "users.id");
    expect(error?.severity).toBe("error");
    expect(error?.rule).toBe("requirement identifier");
    expect(error?.message).toContain(`\`${tag}\``);
    expect(error?.message).toContain(`did you mean \`${intended}\`?`);
    expect(error?.message).toContain("`userId`");
    expect(error?.message).toContain("requirement identifier");
    expect(error?.hint).toBe(`Change the tag to \`${intended}\` in LookML.`);
    // Not also sent as a trait under another name.
    expect(targetOf(p, "users.id")).toBeUndefined();
  });

  test("`emial` on a Segment Look is a near miss of `email` (a swap of two letters is one edit)", () => {
    const p = plan(segment, { fields: fields([field("users.id", ["user_id"]), field("users.email", ["emial"])]) });
    const [error] = diagnostics(p, "near-miss-tag", "users.email");
    expect(error?.message).toContain("did you mean `email`?");
    expect(p.ok).toBe(false);
  });

  test("mParticle's `mp_email` on a Segment Look is a near miss of `email`: an error when nothing else gives the email", () => {
    const p = plan(segment, { fields: fields([mpEmail]) });
    expect(p.ok).toBe(false);
    const [error] = diagnostics(p, "near-miss-tag", "users.email");
    expect(error?.message).toContain("`mp_email` is not a known Segment tag: did you mean `email`?");
    expect(error?.message).toContain("`traits.email`");
  });

  test("`mp_customerid` on an mParticle Look is an error even beside an email: the customer id would be lost", () => {
    const p = plan(mparticle, { fields: fields([mpEmail, field("users.id", ["mp_customerid"])]) });
    expect(p.ok).toBe(false);
    const [error] = diagnostics(p, "near-miss-tag", "users.id");
    expect(error?.message).toContain("did you mean `mp_customer_id`?");
    expect(error?.message).toContain("`user_identities.customer_id`");
    expect(error?.message).toContain("requirement identity");
  });

  test("a near miss that costs no identifier is a warning, and the column is not sent", () => {
    const p = planOk(mparticle, { fields: fields([mpEmail, field("users.ltv", ["mp_user-attribute"])]) });
    const [warning] = diagnostics(p, "unknown-tag", "users.ltv");
    expect(warning?.severity).toBe("warning");
    expect(warning?.message).toContain("did you mean `mp_user_attribute`?");
    expect(targetOf(p, "users.ltv")).toBeUndefined();
  });

  test("a near miss whose identifier another column gives is a warning", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.uid", ["user-id"])]) });
    expect(diagnostics(p, "unknown-tag", "users.uid")[0]?.severity).toBe("warning");
  });

  test("another destination's tags beside this one's are not near misses", () => {
    const p = planOk(segment, { fields: fields([field("users.email", ["mp_email", "email"]), field("users.id", ["mp_customer_id", "user_id"])]) });
    expect(p.diagnostics.filter((d) => d.code === "unknown-tag" || d.code === "near-miss-tag")).toEqual([]);
  });

  test("tags of other tools are still not reported", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), field("users.city", ["pii", "looker_internal", "gdpr_sensitive"])]) });
    expect(p.diagnostics.filter((d) => d.code === "unknown-tag" || d.code === "near-miss-tag")).toEqual([]);
  });
});

describe("an identity of spaces alone is empty", () => {
  test("Segment: a blank user id is no user id; the email's anonymous id is used instead", () => {
    const p = planOk(segment, { fields: fields([field("users.id", ["user_id"]), segmentEmail]) });
    const { record } = send(p, row({ "users.id": "   ", "users.email": "ann@example.com" }));
    expect(record["userId"]).toBeUndefined();
    expect(record["anonymousId"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("mParticle: a row whose only identity is blank is rejected as having none", () => {
    const p = planOk(mparticle, { fields: fields([mpEmail, field("users.ltv", ["mp_user_attribute"])]) });
    const out = rejected(p, row({ "users.email": " \t ", "users.ltv": 5 }));
    expect(out.reason).toBe("row has no user identity (requirement identity)");
  });

  test("Amplitude: a blank user id is left out, the device id carries the event", () => {
    const p = planOk(amplitude, { fields: fields([field("users.id", ["amplitude_user_id"]), field("users.device", ["amplitude_device_id"])]), options: { event_type: "Export" } });
    const { record } = send(p, row({ "users.id": "  ", "users.device": "device-123" }));
    expect(record["user_id"]).toBeUndefined();
    expect(record["device_id"]).toBe("device-123");
  });

  test("Amplitude: placeholder ids are refused in any case", () => {
    const p = planOk(amplitude, { fields: fields([field("users.id", ["amplitude_user_id"]), field("users.device", ["amplitude_device_id"])]), options: { event_type: "Export" } });
    const { record, warnings } = send(p, row({ "users.id": "UNKNOWN", "users.device": "device-123" }));
    expect(record["user_id"]).toBeUndefined();
    expect(warnings[0]?.reason).toContain("is a value the API refuses");
  });

  test("other columns keep their value", () => {
    const p = planOk(mparticle, { fields: fields([mpEmail, field("users.note", ["mp_user_attribute"])]) });
    expect(send(p, row({ "users.email": "ann@example.com", "users.note": "  " })).record["user_attributes"]).toEqual({ "looker_users.note": "  " });
  });
});
