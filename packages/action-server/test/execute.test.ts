import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bigLook, executeBody, logEntries, sampleLook, sampleRow, startDownloads, startHarness, whole, withDimension, type Harness, type LookerDownloads, type LookJson } from "./support.js";

let h: Harness;
let downloads: LookerDownloads;
beforeAll(async () => {
  h = await startHarness();
  downloads = await startDownloads();
});
afterAll(async () => {
  await h.close();
  await downloads.close();
});
beforeEach(() => h.emulators.reset());

const RAN_AT_MS = Date.parse("2026-11-20T06:00:00+00:00");
const HIDDEN = ["users.internal_score"];

/** The sample Look plus a group id column (accounts.id), so every Segment call can be exercised. */
const look = (): LookJson => withDimension(sampleLook(), { name: "accounts.id", label_short: "ID", view: "accounts", type: "string", tags: ["segment_group_id"] }, (n) => `acct-${n % 3}`);

type Via = "inline" | "download_url";
const VIAS: Via[] = ["inline", "download_url"];

/** An execute body carrying the Look inline or behind a one-time download URL. */
function body(via: Via, data: Record<string, string>, form: Record<string, string>, theLook: LookJson = look()) {
  const text = JSON.stringify(theLook);
  return via === "inline"
    ? executeBody({ data, form, look: text, hidden: HIDDEN })
    : executeBody({ data, form, downloadUrl: downloads.serve(whole(text)), hidden: HIDDEN });
}

/** Row numbers of the sample Look that carry an identity (all but row 18). */
const DELIVERED_ROWS = Array.from({ length: 25 }, (_, i) => i + 1).filter((n) => n !== 18);

/** Each accepted record with the number and values of the sample row it came from, matched by user id. */
function withRows(records: any[], userId: (r: any) => string) {
  return records.map((r) => {
    const n = DELIVERED_ROWS.find((k) => String(sampleRow(k)["users.id"]) === userId(r))!;
    return { r, n, row: sampleRow(n) };
  });
}

function neverHidden(records: unknown[]) {
  const text = JSON.stringify(records);
  expect(text).not.toContain("internal_score");
  for (const n of DELIVERED_ROWS) expect(text).not.toContain(String(sampleRow(n)["users.internal_score"]));
}

describe.each(VIAS)("mparticle via %s", (via) => {
  it("user_data: identities and user attributes, field by field", async () => {
    const { status, looker } = await h.execute("mparticle", body(via, h.settings.mparticle, { data_type: "user_data", environment: "development" }));
    expect(status).toBe(200);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 24 of 25 rows delivered; 1 rejected \(row has no user identity[^)]*\): 1\)/);
    expect(looker.message).toMatch(/1 requests?, 0 retries/);
    expect(looker.refresh_query).toBe(false);

    const records = h.emulators.records("mparticle") as any[];
    expect(records).toHaveLength(24);
    const byCustomer = new Map(records.map((r) => [r.user_identities.customer_id, r]));
    for (const n of DELIVERED_ROWS) {
      const row = sampleRow(n);
      const r = byCustomer.get(String(row["users.id"]));
      expect(r, `row ${n}`).toBeDefined();
      expect(Object.keys(r).sort()).toEqual(["environment", "source_request_id", "user_attributes", "user_identities"]);
      expect(r.environment).toBe("development");
      expect(r.user_identities).toEqual({ customer_id: String(row["users.id"]), email: row["users.email"] });
      // Untagged columns are user attributes in this mode; event-only tags are not sent.
      expect(r.user_attributes).toEqual({
        "looker_users.name": row["users.name"],
        "looker_users.city": row["users.city"],
        "looker_accounts.id": `acct-${n % 3}`,
        "looker_users.sessions_count": row["users.sessions_count"],
      });
      expect(r.source_request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(new Set(records.map((r) => r.source_request_id)).size).toBe(24);
    neverHidden(records);
  });

  it("event_data: one custom event per row, field by field", async () => {
    const { looker } = await h.execute("mparticle", body(via, h.settings.mparticle, { data_type: "event_data", environment: "production" }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("24 of 25 rows delivered");
    expect(looker.message).toContain("1 rejected");

    const records = h.emulators.records("mparticle") as any[];
    expect(records).toHaveLength(24);
    for (const { r, n, row } of withRows(records, (r) => r.user_identities.customer_id)) {
      expect(r.environment).toBe("production");
      expect(r.user_identities).toEqual({ customer_id: String(row["users.id"]), email: row["users.email"] });
      expect(r.user_attributes).toEqual({ "looker_users.city": row["users.city"], "looker_users.sessions_count": row["users.sessions_count"] });
      expect(r.device_info).toEqual({ platform: row["users.platform"] });
      expect(r.events).toHaveLength(1);
      expect(r.events[0].event_type).toBe("custom_event");
      expect(r.events[0].data).toEqual({
        event_name: "looker_custom_event",
        custom_event_type: "other",
        timestamp_unixtime_ms: RAN_AT_MS,
        source_message_id: r.source_request_id,
        // Only the mp_custom_attribute column: untagged users.name and accounts.id are not sent.
        custom_attributes: { "looker_users.lifetime_value": row["users.lifetime_value"] },
      });
      expect(JSON.stringify(r)).not.toContain(`acct-${n % 3}`);
    }
    neverHidden(records);
  });
});

describe.each(VIAS)("segment via %s", (via) => {
  it("segment_event: one identify per row, traits named by column label", async () => {
    const { looker } = await h.execute("segment_event", body(via, h.settings.segment, {}));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Segment: 24 of 25 rows delivered; 1 rejected \(row has no user id, anonymous id or email[^)]*\): 1\)/);

    const records = h.emulators.records("segment") as any[];
    expect(records).toHaveLength(24);
    for (const { r, n, row } of withRows(records, (r) => r.userId)) {
      expect(Object.keys(r).sort()).toEqual(["context", "messageId", "timestamp", "traits", "type", "userId"]);
      expect(r.type).toBe("identify");
      expect(r.timestamp).toBe("2026-11-20T06:00:00+00:00");
      expect(r.context).toEqual({ groupId: `acct-${n % 3}` });
      expect(r.traits).toEqual({
        email: row["users.email"],
        name: row["users.name"],
        city: row["users.city"],
        platform: row["users.platform"],
        "sessions count": row["users.sessions_count"],
        "lifetime value": row["users.lifetime_value"],
      });
    }
    neverHidden(records);
  });

  it("segment_track: the form's event name, properties by field name", async () => {
    const { looker } = await h.execute("segment_track", body(via, h.settings.segment, { event: "Active User Synced", trait_names: "name" }));
    expect(looker.message).toContain("24 of 25 rows delivered");

    const records = h.emulators.records("segment") as any[];
    expect(records).toHaveLength(24);
    for (const { r, n, row } of withRows(records, (r) => r.userId)) {
      expect(r.type).toBe("track");
      expect(r.event).toBe("Active User Synced");
      expect(r.traits).toBeUndefined();
      expect(r.context).toEqual({ traits: { email: row["users.email"] }, groupId: `acct-${n % 3}` });
      expect(r.properties).toEqual({
        "users.name": row["users.name"],
        "users.city": row["users.city"],
        "users.platform": row["users.platform"],
        "users.sessions_count": row["users.sessions_count"],
        "users.lifetime_value": row["users.lifetime_value"],
      });
    }
    neverHidden(records);
  });

  it("segment_group: groupId from the segment_group_id column, group traits", async () => {
    const { looker } = await h.execute("segment_group", body(via, h.settings.segment, {}));
    expect(looker.message).toContain("24 of 25 rows delivered");

    const records = h.emulators.records("segment") as any[];
    expect(records).toHaveLength(24);
    for (const { r, n, row } of withRows(records, (r) => r.userId)) {
      expect(r.type).toBe("group");
      expect(r.groupId).toBe(`acct-${n % 3}`);
      // The user's email is the user's trait, not the group's.
      expect(r.context).toEqual({ traits: { email: row["users.email"] } });
      expect(r.traits).toMatchObject({ city: row["users.city"] });
      expect(r.traits.email).toBeUndefined();
      expect(r.traits.id).toBeUndefined();
    }
    neverHidden(records);
  });
});

describe("execute outcomes", () => {
  it("a Look where every row is valid gives success true and the figures", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(30) }));
    expect(looker).toEqual({ success: true, message: expect.stringMatching(/^Segment: 30 of 30 rows delivered\. 1 requests?, 0 retries, \d+\.\d s\.$/), refresh_query: false });
    expect(h.emulators.state()["segment"]!.accepted).toBe(30);
  });

  it("a plan warning (a near-miss tag, its column left out) is in Looker's message and the log line, without row values", async () => {
    // `segment_group_ld` looks like `segment_group_id` and costs no identifier: the rows go, the column does not.
    const nearMiss = withDimension(bigLook(3), { name: "users.plan", label_short: "Plan", view: "users", type: "string", tags: ["segment_group_ld"] }, (n) => `plan-value-${n}`);
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: nearMiss }));
    expect(looker.success).toBe(true);
    expect(looker.message).toMatch(
      /^Segment: 3 of 3 rows delivered\. 1 requests?, 0 retries, \d+\.\d s\. 1 plan warning: Column users\.plan \(tags\): `segment_group_ld` is not a known Segment tag: did you mean `segment_group_id`\? Fix: Change the tag to `segment_group_id` in LookML\.$/,
    );
    const finished = logEntries(h.logs).filter((e) => e["msg"] === "execute finished").at(-1)!;
    expect(finished["planWarnings"]).toEqual([{ code: "unknown-tag", rule: "tags", column: "users.plan" }]);
    expect(JSON.stringify(finished)).not.toContain("plan-value");
    expect(JSON.stringify(h.emulators.records("segment"))).not.toContain("plan-value");
  });

  it("many executes at once all deliver, and the process warns of nothing (no listener limit on the shutdown signal)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const answers = await Promise.all(Array.from({ length: 16 }, () => h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(5) }))));
      expect(answers.every((a) => a.looker.success)).toBe(true);
      expect(h.emulators.state()["segment"]!.accepted).toBe(80);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("the attachment may arrive as a parsed JSON object", async () => {
    const b = executeBody({ data: h.settings.mparticle, form: { data_type: "user_data", environment: "development" } });
    const { looker } = await h.execute("mparticle", { ...b, attachment: { mimetype: "application/json", data: bigLook(3) } });
    expect(looker.success).toBe(true);
    expect(h.emulators.records("mparticle")).toHaveLength(3);
  });

  it("a replayed execute with the same x-looker-webhook-id is deduplicated downstream", async () => {
    const headers = { "x-looker-webhook-id": "webhook-123" };
    const first = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(5) }), headers);
    const second = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(5) }), headers);
    expect(first.looker.success).toBe(true);
    expect(second.looker.success).toBe(true);
    const state = h.emulators.state()["segment"]!;
    expect(state.accepted).toBe(5);
    expect(state.duplicates).toBe(5);
  });

  it("segment_event then segment_track with the same x-looker-webhook-id: both calls arrive, none taken for a duplicate", async () => {
    const headers = { "x-looker-webhook-id": "webhook-two-actions" };
    const identify = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(5) }), headers);
    const track = await h.execute("segment_track", executeBody({ data: h.settings.segment, form: { event: "Synced" }, look: bigLook(5) }), headers);
    expect(identify.looker.success).toBe(true);
    expect(track.looker.success).toBe(true);
    const state = h.emulators.state()["segment"]!;
    expect(state).toMatchObject({ accepted: 10, duplicates: 0 });
  });

  it("a retried execute whose rows come back in another order sends each row with its first id", async () => {
    const headers = { "x-looker-webhook-id": "webhook-reordered" };
    const rows = bigLook(6);
    const first = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: rows }), headers);
    const idsByUser = () => new Map((h.emulators.records("segment") as any[]).map((r) => [r.userId, r.messageId]));
    const before = idsByUser();
    h.emulators.reset();
    const retried = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: { ...rows, data: [...rows.data].reverse() } }), headers);
    expect(first.looker.success && retried.looker.success).toBe(true);
    expect(idsByUser()).toEqual(before);
  });

  it("the same rows for two workspaces (another write key) never share an id", async () => {
    const headers = { "x-looker-webhook-id": "webhook-two-workspaces" };
    await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(3) }), headers);
    const first = (h.emulators.records("segment") as any[]).map((r) => r.messageId);
    h.emulators.reset();
    // Each harness has its own write key: another Segment source.
    const other = await startHarness();
    try {
      await other.execute("segment_event", executeBody({ data: other.settings.segment, look: bigLook(3) }), headers);
      const second = (other.emulators.records("segment") as any[]).map((r) => r.messageId);
      expect(second).toHaveLength(3);
      for (const id of second) expect(first).not.toContain(id);
    } finally {
      await other.close();
    }
  });

  it("pod and region settings do not matter when TAGWIRE_<ID>_URL points at the emulator", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: { ...h.settings.mparticle, pod: "EU1" }, form: { data_type: "user_data", environment: "development" }, look: bigLook(2) }));
    expect(looker.success).toBe(true);
    const seg = await h.execute("segment_event", executeBody({ data: h.settings.segment, form: { region: "EU" }, look: bigLook(2) }));
    expect(seg.looker.success).toBe(true);
    expect(h.emulators.records("mparticle")).toHaveLength(2);
    expect(h.emulators.records("segment")).toHaveLength(2);
  });
});

describe("pacing by TAGWIRE_<ID>_RATE_LIMIT", () => {
  let paced: Harness;
  beforeAll(async () => {
    paced = await startHarness({}, {}, { TAGWIRE_MPARTICLE_RATE_LIMIT: "2 requests/s" });
  });
  afterAll(() => paced.close());

  it("every execute keeps the variable's limit, and Looker's message says how long it waited", async () => {
    // 500 rows: five requests of 100 at 2 requests/s. The first goes alone (its answer decides whether
    // the credentials hold); whenever that answer comes, the last two wait half a second each at least.
    const form = { data_type: "user_data", environment: "development" };
    const { looker } = await paced.execute("mparticle", executeBody({ data: paced.settings.mparticle, form, look: bigLook(500) }));
    expect(looker.success).toBe(true);
    expect(looker.message).toMatch(/^mParticle: 500 of 500 rows delivered\. 5 requests, 0 retries, \d+\.\d s \(1\.[0-5] s of it paced by the rate limit or a Retry-After\)\.$/);
    expect(paced.emulators.state()["mparticle"]!.accepted).toBe(500);
    // The log line carries it too, for dashboards.
    const finished = logEntries(paced.logs).find((e) => e["msg"] === "execute finished")!;
    expect(finished["pacedMs"]).toBeGreaterThanOrEqual(950);
  });
});
