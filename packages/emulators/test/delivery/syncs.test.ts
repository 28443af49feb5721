// Change-only syncs through the engine into the emulators, with the state in memory: what each
// run sends given what the last runs confirmed, and the figures the report gives.

import * as Effect from "effect/Effect";
import { describe, expect, it } from "vitest";
import { summarize, type RunInput, type RunReport } from "@tagwire/engine";
import { memorySyncStore, type MemoryStore } from "@tagwire/engine/testing";
import { amplitude, braze, deliver, deliverFailure, expectAddsUp, field, lookText, mparticle, segment, useEmulators, UUID, type LookSpec, type WireRecord } from "./support.js";

const ctx = useEmulators({ clearFaults: ["mparticle", "segment"] });

const SYNC = { instance: "looker.example.com", plan: "42" } as const;

interface Person {
  readonly email: string;
  readonly tier: string;
}

const people = (count: number): Person[] => Array.from({ length: count }, (_, i) => ({ email: `u${i + 1}@example.com`, tier: "gold" }));

/** An audience Look for mParticle user profiles: an identity and an attribute per row. */
const audience = (rows: ReadonlyArray<Person>, extra: Partial<LookSpec> = {}) =>
  lookText({ fields: [field("users.email", ["mp_email"]), field("users.tier")], rows: rows.map((p) => ({ "users.email": p.email, "users.tier": p.tier })), ...extra });

let runs = 0;
/** One run of the sync; each gets a run id of its own, as each scheduled execute does. */
function syncRun(store: MemoryStore, look: string, input: Partial<RunInput> = {}): Promise<RunReport> {
  runs++;
  return deliver(ctx.emulators, mparticle, look, { runId: `run-${runs}`, sync: SYNC, ...input }, store);
}

/** Records the emulator accepted since `from`. */
const acceptedSince = (from: number): WireRecord[] => ctx.emulators.records("mparticle").slice(from) as WireRecord[];
const accepted = () => ctx.emulators.records("mparticle").length;

/** A report's invariant in a sync: rows not sent because they are unchanged make up the rest. */
function expectSyncAddsUp(report: RunReport): void {
  const { read, delivered, rejected, failed } = report.rows;
  const notSent = report.sync!.rows === "changed" ? report.sync!.unchanged : 0;
  expect(delivered + rejected + failed + notSent).toBe(read);
}

describe("one run of a sync at a time", () => {
  it("a second run started while the first goes on waits for it, then sends only what the first did not deliver", async () => {
    const store = memorySyncStore();
    const before = accepted();
    // The first is paced (300 records at 1,000/s), so the second starts while it runs.
    const [a, b] = await Promise.all([syncRun(store, audience(people(300)), { rateLimit: { recordsPerSecond: 1000 } }), syncRun(store, audience(people(300)))]);
    expect(acceptedSince(before)).toHaveLength(300);
    expect([a.sync!.new, b.sync!.new].sort((x, y) => x - y)).toEqual([0, 300]);
    expect([a.sync!.unchanged, b.sync!.unchanged].sort((x, y) => x - y)).toEqual([0, 300]);
    // Both let go of the sync when they ended.
    expect(store.held.size).toBe(0);
  });

  it("a run whose wait runs out fails with SyncBusy before sending anything, naming the sync", async () => {
    const store = memorySyncStore();
    const first = await syncRun(store, audience(people(10)));
    const id = first.sync!.id;
    // Another run holds the sync (another replica's).
    store.held.add(id);
    const before = accepted();
    const error = await deliverFailure(ctx.emulators, mparticle, audience(people(20)), { runId: "busy", sync: { ...SYNC, waitMs: 100 } }, store);
    expect(error._tag).toBe("SyncBusy");
    expect(error.message).toBe(`sync ${id} is running elsewhere: another execute of this schedule (on this server or another replica) did not finish within 100 ms`);
    expect(acceptedSince(before)).toEqual([]);
    // Its state is as the last run left it: the next run sends the 10 new rows.
    store.held.delete(id);
    expect((await syncRun(store, audience(people(20)))).sync).toMatchObject({ new: 10, unchanged: 10 });
  });

  it("a dry run reads the state without holding the sync", async () => {
    const store = memorySyncStore();
    const first = await syncRun(store, audience(people(10)));
    store.held.add(first.sync!.id);
    const dry = await syncRun(store, audience(people(12)), { dryRun: true, sync: { ...SYNC, waitMs: 0 } });
    expect(dry.sync).toMatchObject({ new: 2, unchanged: 10 });
  });
});

describe("the state's writes", () => {
  it("go on while the run sends, one page at a time in order, and the run ends once every page is written", async () => {
    const store = memorySyncStore();
    const writes: Array<{ readonly rows: number; readonly start: number; readonly end: number; readonly acceptedMeanwhile: number }> = [];
    // A store that takes 150 ms to write each page of confirmed rows.
    const slow: MemoryStore = Object.assign(Object.create(store) as MemoryStore, {
      confirm: (syncId: string, page: Parameters<MemoryStore["confirm"]>[1]) =>
        Effect.suspend(() => {
          const start = performance.now();
          const before = accepted();
          return Effect.zipRight(
            Effect.sleep("150 millis"),
            Effect.zipRight(
              store.confirm(syncId, page),
              Effect.sync(() => void writes.push({ rows: page.count, start, end: performance.now(), acceptedMeanwhile: accepted() - before })),
            ),
          );
        }),
    });
    // One request at a time: a send that waited for the store's write would stop the run.
    const report = await syncRun(slow, audience(people(10_000)), { concurrency: 1 });
    expect(report.sync).toMatchObject({ new: 10_000 });
    expect(writes.reduce((n, w) => n + w.rows, 0)).toBe(10_000);
    expect(store.states.get(report.sync!.id)?.size).toBe(10_000);
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.start).toBeGreaterThanOrEqual(writes[i - 1]!.end);
    // Requests went out while the first page was being written.
    expect(writes[0]!.acceptedMeanwhile).toBeGreaterThan(0);
  });
});

describe("a sync sends what changed since its last confirmed run", () => {
  it("a first run sends every row; a second identical run sends nothing and succeeds", async () => {
    const store = memorySyncStore();
    const first = await syncRun(store, audience(people(250)));
    expect(first.rows).toEqual({ read: 250, delivered: 250, rejected: 0, failed: 0 });
    expect(first.sync).toMatchObject({ new: 250, changed: 0, unchanged: 0, removed: 0, duplicateKeys: 0 });
    expect(store.states.get(first.sync!.id)?.size).toBe(250);

    const before = accepted();
    const second = await syncRun(store, audience(people(250)));
    expect(acceptedSince(before)).toEqual([]);
    expect(second.requests.sent).toBe(0);
    expect(second.rows).toEqual({ read: 250, delivered: 0, rejected: 0, failed: 0 });
    expect(second.sync).toMatchObject({ new: 0, changed: 0, unchanged: 250, removed: 0 });
    expect(second.success).toBe(true);
    expectSyncAddsUp(second);
  });

  it("one changed row sends that one record", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(100)));
    const changed = people(100).map((p, i) => (i === 41 ? { ...p, tier: "platinum" } : p));
    const before = accepted();
    const report = await syncRun(store, audience(changed));
    const sent = acceptedSince(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ user_identities: { email: "u42@example.com" }, user_attributes: { "looker_users.tier": "platinum" } });
    expect(report.sync).toMatchObject({ new: 0, changed: 1, unchanged: 99 });
    expect(report.rows.delivered).toBe(1);
    expectSyncAddsUp(report);
    // Confirmed: the next identical run sends nothing.
    const after = accepted();
    expect((await syncRun(store, audience(changed))).sync).toMatchObject({ unchanged: 100 });
    expect(acceptedSince(after)).toEqual([]);
  });

  it("the same with the rows transformed on worker threads", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(3000)), { workers: 2 });
    const changed = people(3000).map((p, i) => (i % 1000 === 7 ? { ...p, tier: "silver" } : p));
    const before = accepted();
    const report = await syncRun(store, audience(changed), { workers: 2 });
    expect(acceptedSince(before).map((r) => r["user_identities"].email).sort()).toEqual(["u1008@example.com", "u2008@example.com", "u8@example.com"]);
    expect(report.sync).toMatchObject({ new: 0, changed: 3, unchanged: 2997, removed: 0 });
  });

  it("rows=all sends every row, and still counts them by kind", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(50)));
    const before = accepted();
    const report = await syncRun(store, audience(people(50)), { sync: { ...SYNC, rows: "all" } });
    expect(acceptedSince(before)).toHaveLength(50);
    expect(report.sync).toMatchObject({ rows: "all", unchanged: 50 });
    expect(report.rows.delivered).toBe(50);
    expect(report.success).toBe(true);
  });

  it("a change of the Look's columns counts every row changed", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(20)));
    const retagged = lookText({
      fields: [field("users.email", ["mp_email"]), field("users.tier"), field("users.city")],
      rows: people(20).map((p) => ({ "users.email": p.email, "users.tier": p.tier, "users.city": null })),
    });
    const before = accepted();
    const report = await syncRun(store, retagged);
    expect(report.sync).toMatchObject({ new: 0, changed: 20, unchanged: 0 });
    expect(acceptedSince(before)).toHaveLength(20);
  });

  it("a change of the form counts every row changed", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(10)), { options: { environment: "development" } });
    const report = await syncRun(store, audience(people(10)), { options: { environment: "production" } });
    expect(report.sync).toMatchObject({ changed: 10, unchanged: 0 });
  });

  it("keys by the Look's primary-key dimension when it has one", async () => {
    const store = memorySyncStore();
    const byId = (email: (i: number) => string) =>
      lookText({
        fields: [field("users.id", [], { primary_key: true }), field("users.email", ["mp_email"])],
        rows: Array.from({ length: 5 }, (_, i) => ({ "users.id": i + 1, "users.email": email(i) })),
      });
    await syncRun(store, byId((i) => `a${i}@example.com`));
    // The identity changed but the primary key did not: changed rows, not new ones and removed ones.
    const report = await syncRun(store, byId((i) => `b${i}@example.com`));
    expect(report.sync).toMatchObject({ new: 0, changed: 5, removed: 0 });
  });

  it("rows given twice with one key are counted and warned about, never merged", async () => {
    const store = memorySyncStore();
    const twice = [...people(3), { email: "u2@example.com", tier: "bronze" }];
    const report = await syncRun(store, audience(twice));
    // Both rows are new to the state; the second is also counted as repeating the key.
    expect(report.sync).toMatchObject({ new: 4, duplicateKeys: 1 });
    expect(report.rows.delivered).toBe(4);
    expect(report.warnings).toEqual([expect.objectContaining({ count: 1, examples: [{ row: 4, detail: "row 4 has the key of an earlier row" }] })]);
    expect(report.warnings[0]!.reason).toContain("the first of user_identities.customer_id, user_identities.email, user_identities");
  });
});

describe("rows the destination did not take", () => {
  it("rows failed by the destination are sent by the next run", async () => {
    const store = memorySyncStore();
    ctx.emulators.setFaults("mparticle", { failAll: 500 });
    const failed = await syncRun(store, audience(people(30)), { retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 0 } });
    expect(failed.rows).toMatchObject({ read: 30, delivered: 0, failed: 30 });
    expect(failed.sync).toMatchObject({ new: 30 });
    expect(store.states.get(failed.sync!.id)?.size ?? 0).toBe(0);

    ctx.emulators.setFaults("mparticle", {});
    const before = accepted();
    const next = await syncRun(store, audience(people(30)));
    expect(acceptedSince(before)).toHaveLength(30);
    expect(next.sync).toMatchObject({ new: 30, unchanged: 0 });
    expect(next.success).toBe(true);
  });
});

describe("rows that left the Look", () => {
  it("removed=ignore sends nothing for them, counts them, and sends a returning row as new", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(10)));
    const before = accepted();
    const report = await syncRun(store, audience(people(10).filter((_, i) => i !== 3)));
    expect(acceptedSince(before)).toEqual([]);
    expect(report.sync).toMatchObject({ removed: 1, cleared: 0, unchanged: 9, removalsInferred: true });
    expect(store.states.get(report.sync!.id)?.size).toBe(9);

    const back = await syncRun(store, audience(people(10)));
    expect(back.sync).toMatchObject({ new: 1, unchanged: 9, removed: 0 });
    expect(acceptedSince(before).map((r) => r["user_identities"].email)).toEqual(["u4@example.com"]);
  });

  it("removed=clear sends the connector's clearing record, and forgets the subject once it is taken", async () => {
    const store = memorySyncStore();
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    await syncRun(store, audience(people(5)), clear);
    const before = accepted();
    const report = await syncRun(store, audience(people(5).filter((_, i) => i !== 1)), clear);
    const sent = acceptedSince(before);
    expect(sent).toHaveLength(1);
    // mParticle's documented clear: the identities, and the attributes' names in deleted_user_attributes.
    expect(sent[0]).toEqual({
      user_identities: { email: "u2@example.com" },
      deleted_user_attributes: ["looker_users.tier"],
      environment: "production",
      source_request_id: expect.stringMatching(UUID),
    });
    expect(report.sync).toMatchObject({ removed: 1, cleared: 1, notCleared: 0, unchanged: 4 });
    expect(report.rows).toEqual({ read: 4, delivered: 0, rejected: 0, failed: 0 });
    expect(report.success).toBe(true);
    expect(summarize(report)).toContain("1 removed (1 cleared)");
    expect(store.states.get(report.sync!.id)?.size).toBe(4);
    // Cleared and forgotten: the next run has nothing to send.
    const after = accepted();
    expect((await syncRun(store, audience(people(5).filter((_, i) => i !== 1)), clear)).sync).toMatchObject({ removed: 0, unchanged: 4 });
    expect(acceptedSince(after)).toEqual([]);
  });

  it("the state keeps identities only sealed: no row value is in it", async () => {
    const store = memorySyncStore();
    const report = await syncRun(store, audience(people(3)), { sync: { ...SYNC, removed: "clear" } });
    const sealed: Uint8Array[] = [];
    for await (const page of store.readState(report.sync!.id, 10)) sealed.push(...(page.sealed ?? []).filter((x): x is Uint8Array => x !== undefined));
    expect(sealed).toHaveLength(3);
    for (const s of sealed) expect(Buffer.from(s).toString("latin1")).not.toContain("example.com");
  });

  it("a removed row whose sealed identity the current credentials cannot open is reported, not cleared", async () => {
    const store = memorySyncStore();
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    await syncRun(store, audience(people(3)), clear);
    const settings = { ...ctx.emulators.credentials("mparticle").settings, apiSecret: "rotated-secret" };
    const before = accepted();
    const report = await syncRun(store, audience(people(2)), { ...clear, settings });
    expect(acceptedSince(before)).toEqual([]);
    expect(report.sync).toMatchObject({ removed: 1, cleared: 0, notCleared: 1 });
    expect(report.sync!.clearProblems?.[0]).toContain("cannot be opened with the destination's current credentials");
    expect(report.success).toBe(false);
  });

  it("Segment identify: the removed user's traits are set to null, the email trait kept", async () => {
    const store = memorySyncStore();
    const look = (ids: string[]) =>
      lookText({ fields: [field("users.id", ["user_id"]), field("users.email", ["email"]), field("users.plan")], rows: ids.map((id) => ({ "users.id": id, "users.email": `${id}@example.com`, "users.plan": "pro" })) });
    const input = { sync: { ...SYNC, removed: "clear" }, action: "segment_event" } as const;
    await deliver(ctx.emulators, segment, look(["a", "b"]), { ...input, runId: "seg-1" }, store);
    const before = ctx.emulators.records("segment").length;
    const report = await deliver(ctx.emulators, segment, look(["a"]), { ...input, runId: "seg-2" }, store);
    const sent = ctx.emulators.records("segment").slice(before) as WireRecord[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: "identify", userId: "b", traits: { plan: null } });
    expect(sent[0]!["traits"]).not.toHaveProperty("email");
    expect(report.sync).toMatchObject({ removed: 1, cleared: 1 });
  });

  it.each([
    {
      connector: amplitude,
      fields: [field("users.id", ["amplitude_user_id"]), field("users.plan")],
      options: { event_type: "audience", untagged_columns: "user_properties" },
      // Amplitude's documented clear: an identify whose user properties are `$unset`.
      cleared: { user_id: "user-b", event_type: "$identify", user_properties: { $unset: { "users.plan": "-" } } },
    },
    {
      connector: braze,
      fields: [field("users.id", ["braze_id"]), field("users.plan", ["braze_attribute"])],
      options: {},
      // Braze's documented clear: the attribute set to null (the `braze_id` tag fills `braze_key`, external_id by default).
      cleared: { external_id: "user-b", plan: null },
    },
  ])("$connector.id: the removed subject's clearing record is the one its API documents, and it takes it", async ({ connector, fields, options, cleared }) => {
    const store = memorySyncStore();
    const look = (ids: string[]) => lookText({ fields, rows: ids.map((id) => ({ [fields[0]!.name]: id, "users.plan": "pro" })) });
    const input = { sync: { ...SYNC, removed: "clear" }, options } as const;
    await deliver(ctx.emulators, connector, look(["user-a", "user-b"]), { ...input, runId: "c-1" }, store);
    const before = ctx.emulators.records(connector.id).length;
    const report = await deliver(ctx.emulators, connector, look(["user-a"]), { ...input, runId: "c-2" }, store);
    const sent = ctx.emulators.records(connector.id).slice(before);
    expect(sent).toEqual([expect.objectContaining(cleared)]);
    expect(report.sync).toMatchObject({ removed: 1, cleared: 1, notCleared: 0 });
  });

  it("a dry run counts what would be sent and cleared, and changes nothing", async () => {
    const store = memorySyncStore();
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    await syncRun(store, audience(people(4)), clear);
    const rows = [...people(4).slice(1).map((p, i) => (i === 0 ? { ...p, tier: "x" } : p)), { email: "new@example.com", tier: "gold" }];
    const before = accepted();
    const dry = await syncRun(store, audience(rows), { dryRun: true, ...clear });
    expect(acceptedSince(before)).toEqual([]);
    expect(dry.sync).toMatchObject({ new: 1, changed: 1, unchanged: 2, removed: 1, cleared: 1, notCleared: 0 });
    expect(summarize(dry)).toContain("1 removed (1 would be cleared)");
    expect(store.states.get(dry.sync!.id)?.size).toBe(4);
    // The run it predicted clears that row.
    const real = await syncRun(store, audience(rows), clear);
    expect(real.sync).toMatchObject({ removed: 1, cleared: 1, notCleared: 0 });
  });

  it("rows delivered while the sync ignored removed rows kept no identity: a dry run says they would not be cleared, and the run does not clear them", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(3)));
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    const before = accepted();
    const dry = await syncRun(store, audience(people(2)), { dryRun: true, ...clear });
    expect(dry.sync).toMatchObject({ removed: 1, cleared: 0, notCleared: 1 });
    expect(summarize(dry)).toContain("1 removed (0 would be cleared, 1 would not be: their sealed identities cannot be opened with the destination's current credentials, or none was kept (rows delivered while the sync ignored removed rows: one run with rows=all keeps them))");
    const real = await syncRun(store, audience(people(2)), clear);
    expect(acceptedSince(before)).toEqual([]);
    expect(real.sync).toMatchObject({ removed: 1, cleared: 0, notCleared: 1 });
    expect(summarize(real)).toContain("1 removed (0 cleared, 1 not: their sealed identities cannot be opened");
  });

  it("a mode that declares no clearing record ignores its removed rows when asked to clear them, and says why", async () => {
    const store = memorySyncStore();
    const look = (ids: string[]) => lookText({ fields: [field("users.id", ["user_id"]), field("users.plan")], rows: ids.map((id) => ({ "users.id": id, "users.plan": "pro" })) });
    const input = { sync: { ...SYNC, removed: "clear" }, action: "segment_track", options: { event: "Seen" } } as const;
    await deliver(ctx.emulators, segment, look(["a", "b"]), { ...input, runId: "track-1" }, store);
    const dry = await deliver(ctx.emulators, segment, look(["a"]), { ...input, runId: "track-2", dryRun: true }, store);
    expect(summarize(dry)).toContain("1 removed (ignored: this mode declares no clearing record)");
    const before = ctx.emulators.records("segment").length;
    const report = await deliver(ctx.emulators, segment, look(["a"]), { ...input, runId: "track-3" }, store);
    expect(ctx.emulators.records("segment").slice(before)).toEqual([]);
    expect(report.sync).toMatchObject({ removed: 1, removedRows: "ignore", cleared: 0, notCleared: 0 });
    expect(summarize(report)).toContain("1 removed (ignored: this mode declares no clearing record)");
    expect(report.success).toBe(true);
  });

  it("a row rejected in this run is still in the Look: keyed by a primary key, its subject is not cleared", async () => {
    const store = memorySyncStore();
    const look = (emailOf: (i: number) => string | null) =>
      lookText({ fields: [field("users.id", [], { primary_key: true }), field("users.email", ["mp_email"])], rows: Array.from({ length: 4 }, (_, i) => ({ "users.id": i + 1, "users.email": emailOf(i) })) });
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    await syncRun(store, look((i) => `p${i}@example.com`), clear);
    const before = accepted();
    // Row 3 lost its identity: mParticle's requirement rejects it; it was not removed from the Look.
    const report = await syncRun(store, look((i) => (i === 2 ? null : `p${i}@example.com`)), clear);
    expect(report.rows.rejected).toBe(1);
    expect(report.sync).toMatchObject({ removed: 0, cleared: 0, unchanged: 3 });
    expect(acceptedSince(before)).toEqual([]);
  });

  it("a row rejected in this run is still in the Look: keyed by its subject's identities, it is neither removed nor cleared, and its state is kept", async () => {
    const store = memorySyncStore();
    // The attribute comes first, so a row rejected for it is rejected before its identities are written.
    const look = (tierOf: (i: number) => string, emailOf: (i: number) => string = (i) => `s${i}@example.com`) =>
      lookText({
        fields: [field("users.tier", ["mp_user_attribute"]), field("users.id", ["mp_customer_id"]), field("users.email", ["mp_email"])],
        rows: Array.from({ length: 5 }, (_, i) => ({ "users.tier": tierOf(i), "users.id": `c${i}`, "users.email": emailOf(i) })),
      });
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    const first = await syncRun(store, look(() => "gold"), clear);
    expect(first.sync).toMatchObject({ new: 5 });
    const before = accepted();
    // Row 2's attribute and row 4's email are over mParticle's 4,096 characters: both rows are rejected.
    const tooLong = "x".repeat(5000);
    const report = await syncRun(store, look((i) => (i === 1 ? tooLong : "gold"), (i) => (i === 3 ? `${tooLong}@example.com` : `s${i}@example.com`)), clear);
    expect(report.rows).toEqual({ read: 5, delivered: 0, rejected: 2, failed: 0 });
    expect(report.sync).toMatchObject({ unchanged: 3, removed: 0, cleared: 0, notCleared: 0 });
    expect(acceptedSince(before)).toEqual([]);
    expect(store.states.get(report.sync!.id)?.size).toBe(5);
    // With the values fixed, the rows are as the state has them: nothing to send, nothing removed.
    const fixed = await syncRun(store, look(() => "gold"), clear);
    expect(fixed.sync).toMatchObject({ new: 0, changed: 0, unchanged: 5, removed: 0 });
    expect(acceptedSince(before)).toEqual([]);
  });

  it("a Look that breaks off infers no removals", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(10)));
    const whole = audience(people(10));
    // Cut inside the fifth row: the Look cannot be read to its end.
    const cut = whole.slice(0, whole.indexOf("u5@example.com"));
    const report = await syncRun(store, cut);
    expect(report.sourceError).toBeDefined();
    expect(report.sync).toMatchObject({ removed: 0, removalsInferred: false });
    expect(store.states.get(report.sync!.id)?.size).toBe(10);
    expect(report.success).toBe(false);
  });
});

describe("without a sync", () => {
  it("without a state store a run is stateless, as it always was: every row sent, nothing said of syncs", async () => {
    const look = lookText({ fields: [field("users.id", ["user_id"])], rows: [{ "users.id": "u1" }] });
    const report = await deliver(ctx.emulators, segment, look, { sync: SYNC, action: "segment_event" });
    expect(report.sync).toBeUndefined();
    expect(report.syncSkipped).toBeUndefined();
    expect(summarize(report)).toMatch(/^Segment: 1 of 1 rows delivered\. /);
    expectAddsUp(report);
  });

  it("a send without a scheduled plan id sends every row and says so", async () => {
    const store = memorySyncStore();
    const look = audience(people(3));
    await syncRun(store, look);
    const report = await syncRun(store, look, { sync: { instance: SYNC.instance } });
    expect(report.sync).toBeUndefined();
    expect(report.rows.delivered).toBe(3);
    expect(summarize(report)).toContain("every row was sent: the send has no scheduled plan id");
    // Still a run in the history, with no sync.
    expect(store.runs.at(-1)).toMatchObject({ runId: report.runId, success: true });
    expect(store.runs.at(-1)!.syncId).toBeUndefined();
  });

  it("an event-shaped mode is keyed by content: an event sent once is not sent again by the next run", async () => {
    const store = memorySyncStore();
    const events = (names: string[]) => lookText({ fields: [field("users.id", ["user_id"]), field("events.name")], rows: names.map((n) => ({ "users.id": "u1", "events.name": n })) });
    const input = { sync: SYNC, action: "segment_track", options: { event: "Seen" } } as const;
    await deliver(ctx.emulators, segment, events(["a", "b"]), { ...input, runId: "track-1" }, store);
    const before = ctx.emulators.records("segment").length;
    const report = await deliver(ctx.emulators, segment, events(["b", "c"]), { ...input, runId: "track-2" }, store);
    expect(ctx.emulators.records("segment").slice(before).map((r: any) => r.properties["name"])).toEqual(["c"]);
    // The event of the last window that is not in this one is gone from the Look: removed, nothing sent for it.
    expect(report.sync).toMatchObject({ new: 1, unchanged: 1, removed: 1 });
  });

  it("every run is kept in the store's history, with its figures", async () => {
    const store = memorySyncStore();
    const report = await syncRun(store, audience(people(3)));
    expect(store.runs).toEqual([
      expect.objectContaining({
        runId: report.runId, syncId: report.sync!.id, connector: "mparticle", success: true,
        figures: { read: 3, delivered: 3, rejected: 0, failed: 0, new: 3, changed: 0, unchanged: 0, removed: 0, cleared: 0, duplicateKeys: 0 },
      }),
    ]);
    expect(store.runs[0]!.finishedAt).toBeDefined();
  });

  it("a webhook sent again is a second run of the history beside the first, with the same record ids", async () => {
    const store = memorySyncStore();
    const look = audience(people(2));
    const input = { runId: "wh-1", webhookId: "wh-1", sync: { instance: SYNC.instance } } as const;
    const first = await deliver(ctx.emulators, mparticle, look, input, store);
    const before = accepted();
    const duplicates = ctx.emulators.state().mparticle!.duplicates;
    const again = await deliver(ctx.emulators, mparticle, look, input, store);
    expect(first.runId).toBe("wh-1");
    expect(again.runId).toBe("wh-1");
    // Its records carry the first attempt's ids: the destination drops them as ones it has.
    expect(acceptedSince(before)).toEqual([]);
    expect(ctx.emulators.state().mparticle!.duplicates - duplicates).toBe(2);
    const runs = store.runs.filter((r) => r.webhookId === "wh-1");
    expect(runs).toHaveLength(2);
    expect(runs[0]!.runId).toBe("wh-1");
    expect(runs[1]!.runId).not.toBe("wh-1");
    expect(runs.every((r) => r.finishedAt !== undefined && r.success === true)).toBe(true);
  });

  it("the history says what the report says of a run with rows=all, or one that did not read the Look to its end", async () => {
    const store = memorySyncStore();
    await syncRun(store, audience(people(4)));
    const all = await syncRun(store, audience(people(4)), { sync: { ...SYNC, rows: "all" } });
    expect(summarize(all)).toContain("4 unchanged (sent: all rows asked for), 0 removed (ignored)");
    expect(store.runs.at(-1)!.figures).toMatchObject({ unchanged: 4, rows: "all" });
    expect(store.runs.at(-1)!.figures!.removalsInferred).toBeUndefined();
    const whole = audience(people(4));
    const cut = await syncRun(store, whole.slice(0, whole.indexOf("u3@example.com")));
    expect(summarize(cut)).toContain("removed rows not looked for (not every row of the Look was read)");
    expect(store.runs.at(-1)!.figures).toMatchObject({ removalsInferred: false });
    expect(store.runs.at(-1)!.figures!.rows).toBeUndefined();
  });
});
