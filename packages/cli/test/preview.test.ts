import { describe, expect, it } from "vitest";
import { fixture, lookWithLargeRow, lookWithNearMissTag, tagwire } from "./support/cli.js";

describe("tagwire preview", () => {
  it("prints the exact records of the first rows, and why a row would be rejected", async () => {
    const r = await tagwire(["preview", "--to", "segment", fixture("users.json"), "--limit", "3", "--run-id", "run-1"]);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout);
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({
      row: 1,
      record: {
        traits: { email: "ada@example.com", city: "Paris", "lifetime value": 120.5 },
        userId: "u-1",
        type: "identify",
        timestamp: "2026-01-15T09:30:00+00:00",
        messageId: expect.any(String),
      },
    });
    expect(items[2]).toEqual({ row: 3, rejected: { reason: "row has no user id, anonymous id or email (requirement identifier)", detail: expect.stringContaining("are all empty") } });
  });

  it("defaults to 10 rows and is deterministic for a given --run-id", async () => {
    const a = await tagwire(["preview", "--to", "mparticle", fixture("users.json")]);
    const b = await tagwire(["preview", "--to", "mparticle", fixture("users.json")]);
    const c = await tagwire(["preview", "--to", "mparticle", fixture("users.json"), "--run-id", "other"]);
    expect(JSON.parse(a.stdout)).toHaveLength(5);
    expect(a.stdout).toBe(b.stdout);
    const ids = (out: string) => (JSON.parse(out) as any[]).filter((i) => i.record).map((i) => i.record.source_request_id);
    expect(ids(a.stdout)).toHaveLength(3);
    expect(ids(c.stdout)).not.toEqual(ids(a.stdout));
  });

  it("applies options: mParticle events", async () => {
    const r = await tagwire(["preview", "--to", "mparticle", "--option", "data_type=event_data", "--option", "environment=development", "--limit", "1", fixture("users.json")]);
    expect(r.code).toBe(0);
    const [item] = JSON.parse(r.stdout);
    expect(item.record).toMatchObject({
      environment: "development",
      user_identities: { email: "ada@example.com", customer_id: "u-1" },
      events: [{ event_type: "custom_event", data: { event_name: "looker_custom_event" } }],
    });
    // users.city has no tag: in Events mode only mp_custom_attribute columns are event attributes.
    expect(item.record.events[0].data).not.toHaveProperty("custom_attributes");
    expect(JSON.stringify(item.record)).not.toContain("Paris");
  });

  it("the plan's warnings go to stderr as validate words them; stdout stays the records' JSON", async () => {
    const r = await tagwire(["preview", "--to", "segment", "--limit", "1", "-"], { input: lookWithNearMissTag() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("Plan warnings (1)\n  users.city: `segment_group_ld` is not a known Segment tag: did you mean `segment_group_id`? [tags]\n    fix: Change the tag to `segment_group_id` in LookML.\n");
    const [item] = JSON.parse(r.stdout);
    expect(JSON.stringify(item.record)).not.toContain("Paris");
    // No warnings, nothing on stderr.
    const clean = await tagwire(["preview", "--to", "segment", "--limit", "1", fixture("users-valid.json")]);
    expect(clean.stderr).toBe("");
  });

  it("a Look that cannot be sent: diagnostics on stderr, nothing on stdout, exit 1", async () => {
    const r = await tagwire(["preview", "--to", "mparticle", fixture("untagged.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no column provides the user identity");
    expect(r.stderr).toContain("fix: tag a column with one of `mp_email`");
  });

  it("preview, validate --rows and send reach the same verdict on a record over the API's size limit", async () => {
    const input = lookWithLargeRow();
    const preview = await tagwire(["preview", "--to", "segment", "--limit", "2", "-"], { input });
    expect(preview.code).toBe(0);
    const [first, second] = JSON.parse(preview.stdout);
    expect(first.record.traits.note).toBe("short");
    expect(second).toEqual({ row: 2, rejected: { reason: "record larger than the 32,768 bytes Segment accepts", detail: expect.stringMatching(/^record is 40,\d{3} bytes$/) } });

    const validate = await tagwire(["validate", "--to", "segment", "--rows", "--json", "-"], { input });
    const rows = JSON.parse(validate.stdout).rows;
    expect(rows.reasons).toContainEqual(expect.objectContaining({ reason: second.rejected.reason, count: 1 }));
    expect(JSON.stringify(rows.reasons)).toContain(second.rejected.detail);
  });

  it("CSV rows preview with their tags", async () => {
    const r = await tagwire(["preview", "--to", "segment", "--tag", "email=email", "--tag", "id=user_id", "--limit", "1", fixture("users.csv")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].record).toMatchObject({ userId: "u-1", traits: { email: "ada@example.com", city: "Paris", lifetime_value: "120.5" } });
  });
});
