import { describe, expect, test } from "vitest";
import { plan } from "../../src/index.js";
import { field, fields } from "../support/look-builder.js";
import { braze, diagnostics, errors, planOk, targetOf } from "../support/send.js";

const brazeId = field("users.id", ["braze_id"]);
const attribute = (name: string) => field(`users.${name}`, ["braze_attribute"]);

describe("Braze plan: keys the attributes object reserves", () => {
  // Identifiers and request flags (Braze's user attributes object): a custom attribute by that name
  // would overwrite who the row is about or how Braze treats the request.
  test.each(["external_id", "braze_id", "user_alias", "_update_existing_only", "_merge_objects", "push_token_import", "email", "phone", "alias_name", "alias_label"])(
    "a braze_attribute column named `%s` is a plan error naming the column",
    (key) => {
      // Beside a tagged identifier of the same key it is a collision instead (language/top-level-keys): identify by another.
      const identifier = key === "external_id" ? field("users.mobile", ["braze_phone"]) : brazeId;
      const p = plan(braze, { fields: fields([identifier, attribute(key)]) });
      expect(p.ok).toBe(false);
      const [reserved] = diagnostics(p, "reserved-key", `users.${key}`);
      expect(reserved?.severity).toBe("error");
      expect(reserved?.rule).toBe("column rule attribute");
      expect(reserved?.message).toContain(`\`${key}\``);
      expect(reserved?.hint).toBeDefined();
      expect(p.columns.find((c) => c.column === `users.${key}`)?.status).toBe("ignored");
    },
  );

  // Standard profile fields that take an object or a list: a single Looker value would be misread.
  test.each(["current_location", "facebook", "twitter", "push_tokens", "subscription_groups"])("`%s` (an object or list in Braze) is a plan error", (key) => {
    const p = plan(braze, { fields: fields([brazeId, attribute(key)]) });
    expect(errors(p).map((d) => [d.code, d.column])).toEqual([["reserved-key", `users.${key}`]]);
  });

  test("the error holds with braze_id as the unique key too", () => {
    const p = plan(braze, { fields: fields([brazeId, attribute("external_id")]), options: { braze_key: "braze_id" } });
    // brazeId now fills braze_id, so external_id is free: only the reserved key is in the way.
    expect(errors(p).map((d) => d.column)).toEqual(["users.external_id"]);
  });

  test.each(["first_name", "last_name", "country", "dob", "gender", "home_city", "language", "time_zone"])("`%s` sets Braze's standard profile field: a note, and it is sent", (key) => {
    const p = planOk(braze, { fields: fields([brazeId, attribute(key)]) });
    expect(targetOf(p, `users.${key}`)).toBe(key);
    const [standard] = diagnostics(p, "standard-key", `users.${key}`);
    expect(standard?.severity).toBe("info");
    expect(standard?.message).toContain(`\`${key}\``);
  });

  test("`bio`, a profile field Braze no longer processes, is a warning", () => {
    const p = planOk(braze, { fields: fields([brazeId, attribute("bio")]) });
    expect(diagnostics(p, "reserved-key", "users.bio").map((d) => d.severity)).toEqual(["warning"]);
  });

  test("an ordinary custom attribute is neither reserved nor standard", () => {
    const p = planOk(braze, { fields: fields([brazeId, attribute("lifetime_value")]) });
    expect(diagnostics(p, "reserved-key")).toEqual([]);
    expect(diagnostics(p, "standard-key")).toEqual([]);
  });
});
