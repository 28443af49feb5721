// A row over the reader's size limit (TAGWIRE_MAX_ROW_BYTES) is rejected alone: the other rows go
// to the destination, and a sync infers nothing removed from a run whose row it could not read.

import { describe, expect, it } from "vitest";
import { lookSourceFromString, readLook, summarize, type RunInput, type RunReport } from "@tagwire/engine";
import { memorySyncStore, type MemoryStore } from "@tagwire/engine/testing";
import { deliver, expectAddsUp, field, lookText, mparticle, useEmulators } from "./support.js";

const ctx = useEmulators();

const SYNC = { instance: "looker.example.com", plan: "oversize" } as const;
const LIMIT = 1024;

/** Four customers keyed by a primary key; `big` is the row (from 1) whose email is made 3 KB long. */
const look = (big?: number) =>
  lookText({
    fields: [field("users.id", [], { primary_key: true }), field("users.email", ["mp_email"])],
    rows: Array.from({ length: 4 }, (_, i) => ({ "users.id": i + 1, "users.email": i + 1 === big ? `${'"]}{[\\'.repeat(600)}@example.com` : `p${i}@example.com` })),
  });

let runs = 0;
function run(text: string, input: Partial<RunInput> = {}, store?: MemoryStore): Promise<RunReport> {
  runs++;
  return deliver(ctx.emulators, mparticle, text, { runId: `oversize-${runs}`, look: readLook(lookSourceFromString(text, 256), { maxRowBytes: LIMIT }), ...input }, store);
}

describe("a row over TAGWIRE_MAX_ROW_BYTES", () => {
  it("is rejected with its number, the others delivered", async () => {
    const before = ctx.emulators.records("mparticle").length;
    const report = await run(look(2));
    expectAddsUp(report);
    expect(report.rows).toEqual({ read: 4, delivered: 3, rejected: 1, failed: 0 });
    expect(report.sourceError).toBeUndefined();
    expect(report.rejected).toEqual([
      { reason: "row larger than 1 KiB, not read (raise TAGWIRE_MAX_ROW_BYTES if such rows are expected)", count: 1, examples: [{ row: 2, detail: expect.stringMatching(/^row is \d,\d{3} bytes \(starting at byte \d+\)$/) }] },
    ]);
    expect(ctx.emulators.records("mparticle").slice(before)).toHaveLength(3);
  });

  it("in a sync that clears removed rows, leaves its subject alone: nothing is inferred removed from that run", async () => {
    const store = memorySyncStore();
    const clear = { sync: { ...SYNC, removed: "clear" } } as const;
    const first = await run(look(), clear, store);
    expect(first.sync).toMatchObject({ new: 4 });
    const before = ctx.emulators.records("mparticle").length;
    const report = await run(look(3), clear, store);
    expect(report.rows).toMatchObject({ read: 4, rejected: 1 });
    expect(report.sync).toMatchObject({ unchanged: 3, removed: 0, cleared: 0, removalsInferred: false });
    expect(summarize(report)).toContain("removed rows not looked for (not every row of the Look was read)");
    expect(ctx.emulators.records("mparticle").slice(before)).toEqual([]);
    expect(store.states.get(report.sync!.id)?.size).toBe(4);
  });
});
