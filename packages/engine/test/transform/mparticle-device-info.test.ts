// mParticle's device_info: each key's value is converted to the type mParticle's schema gives it
// (schemas/wire/mparticle-batch.schema.json `DeviceInformation`), or left out with a warning. A
// device value never costs the row its event: `send` checks every record against the wire schema.
import { describe, expect, test } from "vitest";
import { field, fields, row } from "../support/look-builder.js";
import { mparticle, planOk, send } from "../support/send.js";

const eventData = { data_type: "event_data" };
const email = field("users.email", ["mp_email"]);
const device = (key: string) => field(`devices.${key}`, ["mp_device_info"]);

/** The device_info of a one-column Look, and the warnings of its row. */
function deviceInfo(key: string, value: unknown) {
  const p = planOk(mparticle, { fields: fields([email, device(key)]), options: eventData });
  const { record, warnings } = send(p, row({ "users.email": "a@example.com", [`devices.${key}`]: value }));
  expect(record["events"]).toHaveLength(1);
  return { value: record["device_info"]?.[key], warnings };
}

describe("mParticle device_info values", () => {
  test.each([
    ["screen_width", "1920", 1920],
    ["screen_height", " 1080 ", 1080],
    ["screen_dpi", 326, 326],
    ["timezone_offset", "-5", -5],
    ["att_timestamp_unixtime_ms", "1700000000000", 1700000000000],
  ])("%s from %j is the whole number %j", (key, input, expected) => {
    expect(deviceInfo(key, input)).toEqual({ value: expected, warnings: [] });
  });

  test.each([
    ["Yes", true], ["No", false], ["yes", true], ["NO", false],
    ["true", true], ["False", false], ["TRUE", true], ["1", true], ["0", false],
    [1, true], [0, false], [true, true], [false, false],
  ])("is_tablet from %j is %j", (input, expected) => {
    expect(deviceInfo("is_tablet", input)).toEqual({ value: expected, warnings: [] });
  });

  test.each(["supports_telephony", "has_nfc", "bluetooth_enabled", "limit_ad_tracking", "is_dst", "push_notification_sound_enabled", "push_notification_vibrate_enabled"])("%s reads yes/no too", (key) => {
    expect(deviceInfo(key, "Yes").value).toBe(true);
  });

  test.each([
    ["platform", "ios", "iOS"], ["platform", "ANDROID", "Android"], ["platform", "Web", "web"], ["platform", "Fire_TV", "fire_tv"],
    ["att_authorization_status", "Authorized", "authorized"], ["att_authorization_status", "NOT_DETERMINED", "not_determined"],
  ])("%s %j is sent as mParticle spells it, %j", (key, input, expected) => {
    expect(deviceInfo(key, input)).toEqual({ value: expected, warnings: [] });
  });

  test.each([
    ["screen_width", "wide", "is not a whole number"],
    ["screen_width", "1920.5", "is not a whole number"],
    ["is_tablet", "maybe", "is not a boolean"],
    ["platform", "windows phone", "is not one of iOS, Android"],
    ["att_authorization_status", "granted", "is not one of authorized"],
    ["ios_idfv", "not-a-uuid", "is not a UUID"],
  ])("%s %j is left out with a warning naming the column and the rule; the event is sent", (key, input, says) => {
    const { value, warnings } = deviceInfo(key, input);
    expect(value).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.column).toBe(`devices.${key}`);
    expect(warnings[0]!.reason).toContain(says);
    expect(warnings[0]!.reason).toContain("value left out (rule event.device_info)");
  });

  test("text keys take any scalar, as before", () => {
    expect(deviceInfo("device_model", "iPhone15,2").value).toBe("iPhone15,2");
    expect(deviceInfo("os_version", 17).value).toBe(17);
  });

  test("a UUID key keeps a UUID", () => {
    const id = "6f9619ff-8b86-d011-b42d-00cf4fc964ff";
    expect(deviceInfo("android_advertising_id", id).value).toBe(id);
  });
});
