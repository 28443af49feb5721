// Scheduled Looks as syncs, through the Looker Action API into the emulators, with the state in
// memory: what a schedule's executes send, and what Looker's message says.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memorySyncStore, type MemoryStore } from "@tagwire/engine/testing";
import { bigLook, executeBody, sampleLook, type Harness, startHarness } from "./support.js";

let h: Harness;
let store: MemoryStore;
beforeAll(async () => {
  store = memorySyncStore();
  h = await startHarness({}, {}, {}, { syncStore: store });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.emulators.reset());

let webhooks = 0;
/** One scheduled execute of plan 17, from a Looker instance; each has a webhook id of its own, as Looker's do. */
async function scheduled(look: ReturnType<typeof sampleLook>, form: Record<string, string> = {}, plan: number | null = 17) {
  webhooks++;
  const body = executeBody({ data: h.settings.segment, form, look });
  if (plan === null) delete (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"];
  else (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"] = plan;
  return h.execute("segment_event", body, { "x-looker-instance": "looker-a.example.com", "x-looker-webhook-id": `hook-${webhooks}` });
}

describe("a scheduled Look is a sync", () => {
  it("the second identical execute sends nothing; Looker's message gives the figures", async () => {
    const look = sampleLook();
    // The sample Look has rows every destination rejects: they are sent again by every run, and rejected again.
    const first = await scheduled(look, {}, 101);
    const sent = h.emulators.state()["segment"]!.accepted;
    expect(sent).toBeGreaterThan(0);
    expect(first.looker.message).toContain(`sync: ${sent} new, 0 changed, 0 unchanged (not sent)`);

    const second = await scheduled(look, {}, 101);
    expect(h.emulators.state()["segment"]!.accepted).toBe(sent);
    expect(second.looker.success).toBe(first.looker.success);
    expect(second.looker.message).toMatch(new RegExp(`^Segment: sync: 0 new, 0 changed, ${sent} unchanged \\(not sent\\), 0 removed \\(ignored\\); 0 of \\d+ rows to send delivered`));
    // The store's history has both, with Looker's webhook ids.
    expect(store.runs.filter((r) => r.webhookId === `hook-${webhooks}` || r.webhookId === `hook-${webhooks - 1}`)).toHaveLength(2);
  });

  it("rows=all sends every row again", async () => {
    const look = sampleLook();
    await scheduled(look, {}, 102);
    const before = h.emulators.state()["segment"]!.accepted;
    const again = await scheduled(look, { rows: "all" }, 102);
    expect(h.emulators.state()["segment"]!.accepted).toBe(2 * before);
    expect(again.looker.message).toContain("unchanged (sent: all rows asked for)");
  });

  it("another schedule of the same Look is another sync", async () => {
    const look = sampleLook();
    await scheduled(look, {}, 103);
    const before = h.emulators.state()["segment"]!.accepted;
    await scheduled(look, {}, 104);
    expect(h.emulators.state()["segment"]!.accepted).toBe(2 * before);
  });

  it("an execute without a scheduled plan id sends every row and says so", async () => {
    const look = sampleLook();
    await scheduled(look, {}, null);
    const before = h.emulators.state()["segment"]!.accepted;
    const again = await scheduled(look, {}, null);
    expect(h.emulators.state()["segment"]!.accepted).toBe(2 * before);
    expect(again.looker.message).toContain("every row was sent: the send has no scheduled plan id");
  });

  it("a choice that is not one of the form's is refused before anything is sent", async () => {
    const { looker } = await scheduled(sampleLook(), { removed: "delete" }, 105);
    expect(looker).toMatchObject({ success: false, validation_errors: { removed: "`delete` is not a choice of removed (ignore, clear)" } });
    expect(h.emulators.state()["segment"]?.accepted ?? 0).toBe(0);
  });
});

describe("a run that loses its hold on the sync", () => {
  const MP_FORM = { data_type: "user_data", environment: "development" };
  /** One scheduled mParticle execute of plan 201 from a Looker instance, with a webhook id of its own. */
  function mparticleScheduled(look: ReturnType<typeof bigLook>) {
    webhooks++;
    const body = executeBody({ data: h.settings.mparticle, form: MP_FORM, look });
    (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"] = 201;
    return h.execute("mparticle", body, { "x-looker-instance": "looker-a.example.com", "x-looker-webhook-id": `hook-${webhooks}` });
  }

  it("sends no more once the hold is lost, fails the rest with why, and the next run sends exactly those", async () => {
    const rows = 3_000;
    const look = bigLook(rows);
    // Slow answers (30 requests of 100 profiles), so the hold is lost part-way.
    h.emulators.setFaults("mparticle", { latencyMs: 150 });
    const running = mparticleScheduled(look);
    const heldBefore = new Set(store.held);
    let syncId: string | undefined;
    while (syncId === undefined || h.emulators.state()["mparticle"]!.requests < 3) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      syncId ??= [...store.held].find((id) => !heldBefore.has(id));
    }
    // What a broken connection to Postgres (or a lease taken after it expired) does to the holder.
    store.loseHold(syncId, "the connection holding its lock broke");
    const first = await running;
    const delivered = h.emulators.state()["mparticle"]!.accepted;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(rows);
    expect(first.looker.success).toBe(false);
    expect(first.looker.message).toMatch(/^mParticle: the run stopped itself on losing its hold on the sync \(the connection holding its lock broke\)/);
    // Every row read is accounted for: delivered, or failed with why; the rest of the Look was not read.
    const figures = /; ([\d,]+) of ([\d,]+) rows to send delivered; ([\d,]+) failed \(not sent: the run lost its hold on the sync \(the connection holding its lock broke\)/.exec(first.looker.message);
    expect(figures, first.looker.message).not.toBeNull();
    const [reported, read, failed] = figures!.slice(1).map((n) => Number(n.replaceAll(",", "")));
    expect(reported).toBe(delivered);
    expect(failed).toBe(read! - delivered);
    // Requests already out were answered and their rows kept in the state: the next run sends only the rest, each once.
    h.emulators.setFaults("mparticle", {});
    const second = await mparticleScheduled(look);
    expect(second.looker.success).toBe(true);
    expect(h.emulators.state()["mparticle"]!.accepted).toBe(rows);
    expect(h.emulators.state()["mparticle"]!.duplicates).toBe(0);
    expect(second.looker.message).toContain(`${(rows - delivered).toLocaleString("en-US")} new, 0 changed, ${delivered.toLocaleString("en-US")} unchanged (not sent)`);
    expect(store.held.has(syncId)).toBe(false);
  });
});

describe("an execute its sync's other run keeps waiting", () => {
  it("is answered that nothing was sent and kept in the history as busy, without touching the record of the run it waited for", async () => {
    const own = memorySyncStore();
    const h2 = await startHarness({ syncWaitMs: 100 }, {}, {}, { syncStore: own });
    try {
      h2.emulators.setFaults("mparticle", { latencyMs: 300 });
      const body = executeBody({ data: h2.settings.mparticle, form: { data_type: "user_data", environment: "development" }, look: bigLook(1_000) });
      (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"] = 301;
      // Looker sending the same webhook again while its first delivery still runs.
      const headers = { "x-looker-instance": "looker-a.example.com", "x-looker-webhook-id": "hook-retried" };
      const first = h2.execute("mparticle", body, headers);
      while (own.held.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const again = await h2.execute("mparticle", body, headers);
      expect(again.looker.success).toBe(false);
      expect(again.looker.message).toMatch(/^Nothing was sent: sync [0-9a-f]+ is running elsewhere/);
      expect((await first).looker.success).toBe(true);
      expect(h2.emulators.state()["mparticle"]!.accepted).toBe(1_000);
      const kept = own.runs.filter((r) => r.webhookId === "hook-retried");
      expect(kept).toHaveLength(2);
      const busy = kept.find((r) => r.figures?.busy !== undefined)!;
      const done = kept.find((r) => r.figures?.busy === undefined)!;
      expect(busy).toMatchObject({ success: false, figures: { read: 0, delivered: 0, rejected: 0, failed: 0, busy: { waitedMs: 100 } } });
      expect(busy.finishedAt).toBeDefined();
      expect(busy.runId).not.toBe(done.runId);
      expect(done).toMatchObject({ success: true, figures: { read: 1_000, delivered: 1_000 } });
    } finally {
      await h2.close();
    }
  });
});
