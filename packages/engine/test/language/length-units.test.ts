// Lengths are counted the way each API counts them (`lengthUnit`), and truncation never splits a
// character: a lone surrogate is invalid on the wire.
import { describe, expect, test } from "vitest";
import { compileValueCheck, Violation } from "../../src/transform/values.js";
import { field, fields, row } from "../support/look-builder.js";
import { braze, diagnostics, mparticle, planOk, send, targetOf } from "../support/send.js";

const EMOJI = "\u{1F600}"; // one code point, two UTF-16 code units, four UTF-8 bytes
const hasLoneSurrogate = (text: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe("lengthUnit", () => {
  test("codePoints (the default) counts an emoji as one character", () => {
    const check = compileValueCheck({ types: ["string"], maxLength: 3 });
    expect(check(EMOJI.repeat(3))).toBe(EMOJI.repeat(3));
    expect((check(EMOJI.repeat(4)) as Violation).detail).toBe("is 4 characters long; at most 3 are accepted");
  });

  test("utf16 counts code units: an emoji is two", () => {
    const check = compileValueCheck({ types: ["string"], maxLength: 4, lengthUnit: "utf16" });
    expect(check(EMOJI.repeat(2))).toBe(EMOJI.repeat(2));
    expect((check(EMOJI.repeat(3)) as Violation).kind).toBe("is longer than 4 UTF-16 code units");
  });

  test("utf8Bytes counts the bytes of the UTF-8 encoding", () => {
    const check = compileValueCheck({ types: ["string"], maxLength: 8, lengthUnit: "utf8Bytes" });
    expect(check(EMOJI.repeat(2))).toBe(EMOJI.repeat(2));
    expect(check("é".repeat(4))).toBe("é".repeat(4));
    expect((check("é".repeat(5)) as Violation).detail).toBe("is 10 bytes (UTF-8) long; at most 8 are accepted");
  });

  test("minLength counts in the same unit", () => {
    const check = compileValueCheck({ types: ["string"], minLength: 3, onInvalid: "drop" });
    expect((check(`${EMOJI}${EMOJI}`) as Violation).kind).toBe("is shorter than 3 characters");
    expect(check(EMOJI.repeat(3))).toBe(EMOJI.repeat(3));
  });

  test.each(["codePoints", "utf16", "utf8Bytes"] as const)("truncate (%s) never leaves a lone surrogate", (lengthUnit) => {
    const check = compileValueCheck({ types: ["string"], maxLength: 7, lengthUnit, onTooLong: "truncate" });
    const out = check(`a${EMOJI.repeat(10)}`) as string;
    expect(hasLoneSurrogate(out)).toBe(false);
    expect(out.startsWith("a")).toBe(true);
    const expected = { codePoints: `a${EMOJI.repeat(6)}`, utf16: `a${EMOJI.repeat(3)}`, utf8Bytes: `a${EMOJI}` }[lengthUnit];
    expect(out).toBe(expected);
  });
});

describe("mParticle event names and keys", () => {
  const eventData = { data_type: "event_data" };
  const lookFields = fields([field("users.email", ["mp_email"]), field("events.name", ["mp_event_name"])]);

  test("an event name of 200 emoji is 200 characters: sent whole", () => {
    const p = planOk(mparticle, { fields: lookFields, options: eventData });
    const name = `a${EMOJI.repeat(200)}`;
    const { record } = send(p, row({ "users.email": "a@example.com", "events.name": name }));
    expect(record.events[0].data.event_name).toBe(name);
  });

  test("a longer one is cut at 256 characters, on a character boundary", () => {
    const p = planOk(mparticle, { fields: lookFields, options: eventData });
    const { record } = send(p, row({ "users.email": "a@example.com", "events.name": `a${EMOJI.repeat(300)}` }));
    const sent: string = record.events[0].data.event_name;
    expect(hasLoneSurrogate(sent)).toBe(false);
    expect([...sent]).toHaveLength(256);
  });

  test("a key over maxLength is truncated on a character boundary, and counted in characters", () => {
    const name = `users.${EMOJI.repeat(300)}`;
    const p = planOk(braze, { fields: fields([field("users.id", ["braze_id"]), field(name, ["braze_attribute"])]) });
    const key = targetOf(p, name)!;
    expect(hasLoneSurrogate(key)).toBe(false);
    expect([...key]).toHaveLength(255);
    expect(diagnostics(p, "key-truncated", name)[0]?.message).toContain("longer than 255 characters");
  });
});
