// One suite, both backends: every method of SyncStore, the migrations, retention and the layer.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Layer from "effect/Layer";
import * as ManagedRuntime from "effect/ManagedRuntime";
import * as Option from "effect/Option";
import * as Scope from "effect/Scope";
import { StoreError, SyncStoreService, type DigestPage, type RunRecord, type SyncStore } from "@tagwire/engine";
import { MIGRATIONS, openStore, scopedStore, storeLayer, type OpenedStore } from "../src/index.js";
import { LEASE_MS } from "../src/sqlite.js";
import { adminQuery, BACKENDS, hex, randomPage, SCHEMA_PREFIX, sqlite, type Place } from "./backends.js";

const run = <A>(effect: Effect.Effect<A, StoreError>) => Effect.runPromise(effect);
const failureOf = async <A>(effect: Effect.Effect<A, StoreError>): Promise<StoreError> => {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("expected a StoreError");
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
  expect(failure).toBeInstanceOf(StoreError);
  return failure!;
};

/** Every entry of the state, key hex -> [content hex, sealed hex or undefined], read in pages of `pageSize`. */
async function stateOf(store: SyncStore, syncId: string, pageSize = 1000): Promise<{ entries: Map<string, [string, string | undefined]>; pages: number[] }> {
  const entries = new Map<string, [string, string | undefined]>();
  const pages: number[] = [];
  for await (const page of store.readState(syncId, pageSize)) {
    pages.push(page.count);
    for (let i = 0; i < page.count; i++) {
      const sealed = page.sealed?.[i];
      entries.set(hex(page.keys.subarray(i * 16, i * 16 + 16)), [hex(page.contents.subarray(i * 16, i * 16 + 16)), sealed !== undefined ? hex(sealed) : undefined]);
    }
  }
  return { entries, pages };
}

const entriesOf = (page: DigestPage) =>
  Array.from({ length: page.count }, (_, i) => [hex(page.keys.subarray(i * 16, i * 16 + 16)), hex(page.contents.subarray(i * 16, i * 16 + 16))] as const);

const identity = (plan = "plan-1") => ({ instance: "looker-1", plan, action: "test_action", workspace: "ws-digest" });

const runRecord = (runId: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({ runId, connector: "test", source: "looker", startedAt, ...extra });

describe.each(BACKENDS)("the $name store", (backend) => {
  const places: Place[] = [];
  const opened: OpenedStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(places.splice(0).map((p) => p.remove()));
  });

  async function fresh(historyDays = 90): Promise<{ place: Place; store: OpenedStore }> {
    const place = await backend.place(historyDays);
    places.push(place);
    const store = await run(openStore(place.config));
    opened.push(store);
    return { place, store };
  }

  describe("migrations", () => {
    it("create every table on an empty database and record each step once", async () => {
      const { place, store } = await fresh();
      const versions = await place.sql("SELECT version FROM tagwire_migrations ORDER BY version");
      expect(versions.map((r) => Number(r["version"]))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await place.sql("SELECT count(*) AS n FROM sync_state")).toEqual([{ n: backend.name === "sqlite" ? 0 : "0" }]);
      expect(store.describe).toMatch(backend.name === "sqlite" ? /^sqlite:\/.*tagwire\.db$/ : /^postgres:\/\/postgres@127\.0\.0\.1:5432\/test$/);
    });

    it("run again on a migrated database without changing it, and its data stays", async () => {
      const { place, store } = await fresh();
      const sync = await run(store.openSync(identity(), "test"));
      await run(store.confirm(sync.id, randomPage(3)));
      await store.close();
      const again = await run(openStore(place.config));
      opened.push(again);
      expect((await place.sql("SELECT version FROM tagwire_migrations")).length).toBe(MIGRATIONS.length);
      expect((await stateOf(again, sync.id)).entries.size).toBe(3);
      expect((await run(again.openSync(identity(), "test"))).salt).toEqual(sync.salt);
    });

    it("refuse a database migrated by a newer version", async () => {
      const { place, store } = await fresh();
      await store.close();
      await place.sql("INSERT INTO tagwire_migrations (version, name, applied_at) VALUES (9999, 'from the future', '2030-01-01T00:00:00Z')");
      const error = await failureOf(openStore(place.config));
      expect(error.reason).toMatch(/schema is at version 9999, written by a newer tagwire/);
    });

    it("let several processes start at once on an empty database", async () => {
      const place = await backend.place();
      places.push(place);
      const stores = await Promise.all(Array.from({ length: 4 }, () => run(openStore(place.config))));
      opened.push(...stores);
      expect((await place.sql("SELECT version FROM tagwire_migrations")).length).toBe(MIGRATIONS.length);
      const syncs = await Promise.all(stores.map((s) => run(s.openSync(identity(), "test"))));
      expect(new Set(syncs.map((s) => hex(s.salt))).size).toBe(1);
    });
  });

  it("opens a sync once per identity, with its own random salt", async () => {
    const { store } = await fresh();
    const a = await run(store.openSync(identity(), "test"));
    const again = await run(store.openSync(identity(), "test"));
    const other = await run(store.openSync({ ...identity(), workspace: "another-workspace" }, "test"));
    expect(again).toEqual(a);
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(other.id).not.toBe(a.id);
    expect(a.salt.byteLength).toBe(32);
    expect(hex(other.salt)).not.toBe(hex(a.salt));
    expect(a.identity).toEqual(identity());
    expect(a.connector).toBe("test");
    expect(Number.isNaN(Date.parse(a.createdAt))).toBe(false);
  });

  it("keeps confirmed digests and gives them back in pages", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const pages = [randomPage(4000), randomPage(4000), randomPage(2500)];
    for (const page of pages) await run(store.confirm(sync.id, page));
    const { entries, pages: sizes } = await stateOf(store, sync.id, 3000);
    expect(sizes).toEqual([3000, 3000, 3000, 1500]);
    const expected = new Map(pages.flatMap(entriesOf).map(([k, c]) => [k, [c, undefined]]));
    expect(entries).toEqual(expected);
  });

  it("folds confirmed rows into the state by itself once the sync has had no confirm for a second", async () => {
    const { place, store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const pages = [randomPage(10), randomPage(5)];
    for (const page of pages) await run(store.confirm(sync.id, page));
    const count = async (table: string) => (await place.sql(`SELECT CAST(count(*) AS integer) AS n FROM ${table}`))[0]!["n"];
    expect([await count("sync_confirmed"), await count("sync_state")]).toEqual([15, 0]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([await count("sync_confirmed"), await count("sync_state")]).toEqual([0, 15]);
    expect((await stateOf(store, sync.id)).entries).toEqual(new Map(pages.flatMap(entriesOf).map(([k, c]) => [k, [c, undefined]])));
  });

  it("gives rows confirmed by a process that stopped before they were folded to the next one", async () => {
    const { place, store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const page = randomPage(300);
    await run(store.confirm(sync.id, page));
    await store.close();
    const next = await run(openStore(place.config));
    opened.push(next);
    expect((await stateOf(next, sync.id)).entries).toEqual(new Map(entriesOf(page).map(([k, c]) => [k, [c, undefined]])));
  });

  it("ends a read given up part-way without holding the database", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    await run(store.confirm(sync.id, randomPage(30)));
    for (let i = 0; i < 6; i++) {
      for await (const page of store.readState(sync.id, 10)) {
        expect(page.count).toBe(10);
        break;
      }
    }
    await run(store.confirm(sync.id, randomPage(5)));
    expect((await stateOf(store, sync.id, 10)).entries.size).toBe(35);
  });

  it("reads an exact multiple of the page size, and an empty state, without an empty page", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    expect((await stateOf(store, sync.id, 10)).pages).toEqual([]);
    await run(store.confirm(sync.id, randomPage(20)));
    expect((await stateOf(store, sync.id, 10)).pages).toEqual([10, 10]);
  });

  it("replaces a key's content when it is confirmed again, the later of two in one page winning", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const first = randomPage(3);
    await run(store.confirm(sync.id, first));
    const changed = randomPage(2);
    changed.keys.set(first.keys.subarray(0, 16), 0);
    changed.keys.set(first.keys.subarray(0, 16), 16);
    await run(store.confirm(sync.id, changed));
    const { entries } = await stateOf(store, sync.id);
    expect(entries.size).toBe(3);
    expect(entries.get(hex(first.keys.subarray(0, 16)))![0]).toBe(hex(changed.contents.subarray(16, 32)));
    expect(entries.get(hex(first.keys.subarray(16, 32)))![0]).toBe(hex(first.contents.subarray(16, 32)));
  });

  it("reads pages from columns that are views into larger buffers", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const big = randomPage(10);
    const page = { count: 4, keys: big.keys.subarray(32, 32 + 64), contents: big.contents.subarray(96, 96 + 64) };
    await run(store.confirm(sync.id, page));
    expect((await stateOf(store, sync.id)).entries).toEqual(new Map(entriesOf(page).map(([k, c]) => [k, [c, undefined]])));
  });

  it("round-trips sealed identities, and drops one when the row is confirmed without it", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const page = randomPage(3);
    const sealed = [new Uint8Array([1, 2, 3, 4, 5]), undefined, new Uint8Array(300).fill(7)];
    await run(store.confirm(sync.id, { ...page, sealed }));
    const { entries } = await stateOf(store, sync.id);
    for (let i = 0; i < 3; i++) {
      expect(entries.get(hex(page.keys.subarray(i * 16, i * 16 + 16)))).toEqual([hex(page.contents.subarray(i * 16, i * 16 + 16)), sealed[i] !== undefined ? hex(sealed[i]!) : undefined]);
    }
    await run(store.confirm(sync.id, { count: 1, keys: page.keys.subarray(0, 16), contents: page.contents.subarray(0, 16) }));
    expect((await stateOf(store, sync.id)).entries.get(hex(page.keys.subarray(0, 16)))![1]).toBeUndefined();
  });

  it("reads a few sealed identities among thousands of rows without one, page by page", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const page = randomPage(7000);
    const sealed = Array.from({ length: page.count }, (_, i) => (i % 1500 === 0 ? new Uint8Array([i % 251, 9, 9]) : undefined));
    await run(store.confirm(sync.id, { ...page, sealed }));
    const { entries, pages } = await stateOf(store, sync.id, 3000);
    expect(pages).toEqual([3000, 3000, 1000]);
    expect(entries).toEqual(new Map(entriesOf(page).map(([k, c], i) => [k, [c, sealed[i] !== undefined ? hex(sealed[i]!) : undefined]])));
  });

  it("keeps each sync's state apart", async () => {
    const { store } = await fresh();
    const a = await run(store.openSync(identity("a"), "test"));
    const b = await run(store.openSync(identity("b"), "test"));
    const page = randomPage(5);
    await run(store.confirm(a.id, page));
    await run(store.confirm(b.id, { ...page, count: 2 }));
    expect((await stateOf(store, a.id)).entries.size).toBe(5);
    expect((await stateOf(store, b.id)).entries.size).toBe(2);
  });

  it("forgets the keys it is given, and only those", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const page = randomPage(6);
    await run(store.confirm(sync.id, page));
    await run(store.forget(sync.id, page.keys.subarray(16, 48)));
    await run(store.forget(sync.id, new Uint8Array(0)));
    const keys = [...(await stateOf(store, sync.id)).entries.keys()].sort();
    expect(keys).toEqual([0, 3, 4, 5].map((i) => hex(page.keys.subarray(i * 16, i * 16 + 16))).sort());
  });

  it("refuses a page whose columns are shorter than its count, and keys that are not whole digests", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const short = await failureOf(store.confirm(sync.id, { count: 3, keys: new Uint8Array(32), contents: new Uint8Array(48) }));
    expect(short.reason).toMatch(/3 entries holds 32 key and 48 content bytes/);
    expect((await failureOf(store.forget(sync.id, new Uint8Array(17)))).reason).toMatch(/17 bytes of keys/);
    expect((await stateOf(store, sync.id)).entries.size).toBe(0);
  });

  it("resets a sync's state, keeping the sync and its salt; an unknown sync is answered false", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const other = await run(store.openSync(identity("other"), "test"));
    await run(store.confirm(sync.id, randomPage(50)));
    await run(store.confirm(other.id, randomPage(5)));
    expect(await run(store.reset(sync.id))).toBe(true);
    expect((await stateOf(store, sync.id)).entries.size).toBe(0);
    expect((await stateOf(store, other.id)).entries.size).toBe(5);
    expect((await run(store.openSync(identity(), "test"))).salt).toEqual(sync.salt);
    expect(await run(store.reset("0000000000000000"))).toBe(false);
  });

  it("records runs from start to end and gives back every field", async () => {
    const { store } = await fresh();
    const sync = await run(store.openSync(identity(), "test"));
    const started = runRecord("run-1", "2026-01-02T03:04:05.678Z", { syncId: sync.id, action: "test_action", webhookId: "wh-1" });
    await run(store.startRun(started));
    expect(await run(store.getRun("run-1"))).toEqual(started);
    const finished: RunRecord = {
      ...started,
      finishedAt: "2026-01-02T03:05:00.000Z",
      figures: { read: 10, delivered: 7, rejected: 2, failed: 1, new: 3, changed: 4, unchanged: 0, removed: 1, cleared: 1, duplicateKeys: 0 },
      rejected: [{ reason: "no identity", count: 2, examples: [{ row: 4, detail: "column users.email is empty" }] }],
      failed: [{ reason: "server error", status: 503, count: 1, rows: "9" }],
      success: false,
    };
    await run(store.finishRun(finished));
    expect(await run(store.getRun("run-1"))).toEqual(finished);
    expect(await run(store.getRun("no-such-run"))).toBeUndefined();
    const plain = runRecord("run-2", "2026-01-02T04:00:00.000Z", { source: "file:look.json", success: true, finishedAt: "2026-01-02T04:00:01.000Z" });
    await run(store.finishRun(plain));
    expect(await run(store.getRun("run-2"))).toEqual(plain);
  });

  it("keeps how long a run's reading and sending took, and adds their columns to a database made before them", async () => {
    const { place, store } = await fresh();
    const timed = runRecord("run-timed", "2026-01-03T00:00:00.000Z", { finishedAt: "2026-01-03T00:01:05.000Z", readMs: 14_200, sendMs: 51_900, success: true });
    await run(store.finishRun(timed));
    expect(await run(store.getRun("run-timed"))).toEqual(timed);
    await store.close();
    // The database as a tagwire before migration 3 left it: no columns for the times, the step not recorded.
    await place.sql("ALTER TABLE runs DROP COLUMN read_ms");
    await place.sql("ALTER TABLE runs DROP COLUMN send_ms");
    await place.sql("DELETE FROM tagwire_migrations WHERE version = 3");
    const again = await run(openStore(place.config));
    opened.push(again);
    const { readMs: _read, sendMs: _send, ...untimed } = timed;
    expect(await run(again.getRun("run-timed"))).toEqual(untimed);
    expect((await place.sql("SELECT version FROM tagwire_migrations ORDER BY version")).map((r) => Number(r["version"]))).toEqual(MIGRATIONS.map((m) => m.version));
    await run(again.finishRun(timed));
    expect(await run(again.getRun("run-timed"))).toEqual(timed);
    expect((await run(again.listRuns({ limit: 1 })))[0]).toEqual(timed);
  });

  it("lists runs newest first, by sync and up to a limit", async () => {
    const { store } = await fresh();
    const a = await run(store.openSync(identity("a"), "test"));
    const b = await run(store.openSync(identity("b"), "test"));
    for (const [id, day, syncId] of [["r1", 1, a.id], ["r2", 2, b.id], ["r3", 3, a.id], ["r4", 4, undefined]] as const) {
      await run(store.startRun(runRecord(id, `2026-02-0${day}T00:00:00.000Z`, syncId !== undefined ? { syncId } : {})));
    }
    expect((await run(store.listRuns({ limit: 10 }))).map((r) => r.runId)).toEqual(["r4", "r3", "r2", "r1"]);
    expect((await run(store.listRuns({ limit: 2 }))).map((r) => r.runId)).toEqual(["r4", "r3"]);
    expect((await run(store.listRuns({ syncId: a.id, limit: 10 }))).map((r) => r.runId)).toEqual(["r3", "r1"]);
    expect(await run(store.listRuns({ syncId: "unknown", limit: 10 }))).toEqual([]);
  });

  it("lists syncs with their row count and last run, never their salt", async () => {
    const { store } = await fresh();
    const a = await run(store.openSync(identity("a"), "test"));
    const b = await run(store.openSync(identity("b"), "other"));
    await run(store.confirm(a.id, randomPage(7)));
    await run(store.startRun(runRecord("old", "2026-03-01T00:00:00.000Z", { syncId: a.id })));
    const last = runRecord("new", "2026-03-02T00:00:00.000Z", { syncId: a.id, success: true });
    await run(store.finishRun(last));
    const syncs = await run(store.listSyncs());
    expect(syncs.map((s) => [s.sync.id, s.rows, s.lastRun?.runId])).toEqual([
      [a.id, 7, "new"],
      [b.id, 0, undefined],
    ]);
    expect(syncs[0]!.lastRun).toEqual(last);
    expect(syncs[0]!.sync).toEqual({ id: a.id, identity: identity("a"), connector: "test", createdAt: a.createdAt });
    expect("salt" in syncs[0]!.sync).toBe(false);
  });

  it("prunes the runs that started before a time", async () => {
    const { store } = await fresh();
    await run(store.startRun(runRecord("jan", "2026-01-15T00:00:00.000Z")));
    await run(store.startRun(runRecord("feb", "2026-02-15T00:00:00.000Z")));
    await run(store.startRun(runRecord("mar", "2026-03-15T00:00:00.000Z")));
    expect(await run(store.prune(new Date("2026-02-15T00:00:00.000Z")))).toBe(1);
    expect((await run(store.listRuns({ limit: 10 }))).map((r) => r.runId)).toEqual(["mar", "feb"]);
    expect(await run(store.prune(new Date("2026-01-01T00:00:00.000Z")))).toBe(0);
  });

  describe("holding a sync", () => {
    /** Holds `syncId` on `store` in a scope of its own: the answer, and the scope that lets it go. */
    async function hold(store: SyncStore, syncId: string, waitMs: number): Promise<{ held: boolean; release: () => Promise<void>; lost: string[] }> {
      const scope = Effect.runSync(Scope.make());
      const lost: string[] = [];
      const held = await Effect.runPromise(store.holdSync(syncId, waitMs, (why) => lost.push(why)).pipe(Scope.extend(scope), Effect.orDie));
      return { held, release: () => Effect.runPromise(Scope.close(scope, Exit.void)), lost };
    }

    it("lets one run hold a sync: another process's hold waits for it, and a wait that runs out is answered false", async () => {
      const { place, store } = await fresh();
      // A second replica: its own connections (or its own thread on the same file).
      const other = await run(openStore(place.config));
      opened.push(other);
      const first = await hold(store, "sync-a", 0);
      expect(first.held).toBe(true);
      const started = performance.now();
      const refused = await hold(other, "sync-a", 300);
      expect(refused.held).toBe(false);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      // Another sync is free meanwhile.
      const b = await hold(other, "sync-b", 0);
      expect(b.held).toBe(true);
      // The waiter takes the sync once the first run lets go, within its wait.
      const waiting = hold(other, "sync-a", 5_000);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await first.release();
      const second = await waiting;
      expect(second.held).toBe(true);
      // ...and holds it against the first process in turn.
      expect((await hold(store, "sync-a", 0)).held).toBe(false);
      await second.release();
      await b.release();
      const again = await hold(store, "sync-a", 0);
      expect(again.held).toBe(true);
      await again.release();
    });

    if (backend.name === "postgres") {
      it("is let go by the server when the holder's session ends, as when its process is killed", async () => {
        const { place, store } = await fresh();
        const other = await run(openStore(place.config));
        opened.push(other);
        const first = await hold(store, "sync-k", 0);
        expect(first.held).toBe(true);
        expect((await hold(other, "sync-k", 0)).held).toBe(false);
        // The holder's session ends without unlocking (what the server sees of a process killed with -9).
        const [{ schema }] = (await place.sql("SELECT current_schema() AS schema")) as [{ schema: string }];
        const ended = await adminQuery(
          `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid::bigint = ((h.k >> 32) & 4294967295) AND l.objid::bigint = (h.k & 4294967295)`,
          [`tagwire.sync:${schema}:sync-k`],
        );
        expect(ended).toEqual([{ ended: true }]);
        const taken = await hold(other, "sync-k", 2_000);
        expect(taken.held).toBe(true);
        // The holder is told its hold ended (its run then sends no more), once, naming the store.
        await vi.waitFor(() => expect(first.lost).toHaveLength(1));
        expect(first.lost[0]).toMatch(/^the connection holding its lock in postgres:\/\/.* (broke|ended)/);
        await taken.release();
        await first.release();
        expect(first.lost).toHaveLength(1);
        expect(taken.lost).toEqual([]);
      });
    } else {
      it("takes a lease left by a holder that stopped renewing it once it has expired, never before", async () => {
        const { place, store } = await fresh();
        await place.sql("INSERT INTO sync_leases (sync_id, holder, expires_at) VALUES (?, ?, ?)", ["sync-live", "killed-process", Date.now() + 60_000]);
        await place.sql("INSERT INTO sync_leases (sync_id, holder, expires_at) VALUES (?, ?, ?)", ["sync-dead", "killed-process", Date.now() - 1]);
        expect((await hold(store, "sync-live", 200)).held).toBe(false);
        const taken = await hold(store, "sync-dead", 0);
        expect(taken.held).toBe(true);
        const [lease] = await place.sql("SELECT holder, expires_at FROM sync_leases WHERE sync_id = ?", ["sync-dead"]);
        expect(lease!["holder"]).not.toBe("killed-process");
        expect(Number(lease!["expires_at"])).toBeGreaterThan(Date.now() + 20_000);
        await taken.release();
        expect(await place.sql("SELECT * FROM sync_leases WHERE sync_id = ?", ["sync-dead"])).toEqual([]);
        expect(taken.lost).toEqual([]);
      });

      it("tells the holder when its lease was taken by another (it expired while the holder could not renew it)", { timeout: 20_000 }, async () => {
        const { place, store } = await fresh();
        const mine = await hold(store, "sync-taken", 0);
        expect(mine.held).toBe(true);
        // Another process took the lease: what happens once it expires unrenewed (a thread stalled past three turns).
        await place.sql("UPDATE sync_leases SET holder = ?, expires_at = ? WHERE sync_id = ?", ["other-process", Date.now() + 60_000, "sync-taken"]);
        await vi.waitFor(() => expect(mine.lost).toHaveLength(1), { timeout: LEASE_MS / 3 + 5_000, interval: 100 });
        expect(mine.lost[0]).toMatch(/^its lease in sqlite:.* expired and was taken by another run$/);
        await mine.release();
        // Letting go does not take the other process's lease away.
        expect(await place.sql("SELECT holder FROM sync_leases WHERE sync_id = ?", ["sync-taken"])).toEqual([{ holder: "other-process" }]);
      });
    }
  });

  describe("as a scoped store", () => {
    it("deletes history older than its retention when it opens and after each run ends", async () => {
      const { place, store } = await fresh(30);
      const day = 24 * 60 * 60 * 1000;
      const ago = (days: number) => new Date(Date.now() - days * day).toISOString();
      await run(store.startRun(runRecord("40-days", ago(40))));
      await run(store.startRun(runRecord("10-days", ago(10))));
      await store.close();
      const scope = Effect.runSync(Scope.make());
      const kept = await Effect.runPromise(scopedStore(place.config).pipe(Scope.extend(scope)));
      expect((await run(kept.listRuns({ limit: 10 }))).map((r) => r.runId)).toEqual(["10-days"]);
      await run(kept.startRun(runRecord("31-days", ago(31))));
      await run(kept.finishRun(runRecord("now", ago(0))));
      expect((await run(kept.listRuns({ limit: 10 }))).map((r) => r.runId)).toEqual(["now", "10-days"]);
      await Effect.runPromise(Scope.close(scope, Exit.void));
    });
  });
});

describe("the sqlite store", () => {
  const places: Place[] = [];
  const opened: OpenedStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await Promise.all(places.splice(0).map((p) => p.remove()));
  });

  it("folds confirmed rows left by a process that stopped before folding them", async () => {
    const place = await sqlite.place();
    places.push(place);
    const store = await run(openStore(place.config));
    const sync = await run(store.openSync(identity(), "test"));
    await store.close();
    const key = Buffer.alloc(16, 1);
    await place.sql("INSERT INTO sync_confirmed (sync_id, key, content, sealed) VALUES (?, ?, ?, NULL), (?, ?, ?, NULL)", [sync.id, key, Buffer.alloc(16, 2), sync.id, key, Buffer.alloc(16, 3)]);
    const again = await run(openStore(place.config));
    opened.push(again);
    expect((await stateOf(again, sync.id)).entries).toEqual(new Map([[hex(key), [hex(Buffer.alloc(16, 3)), undefined]]]));
    expect(await place.sql("SELECT count(*) AS n FROM sync_confirmed")).toEqual([{ n: 0 }]);
  });

  it("closes once however often it is closed, and answers a call made after that with a StoreError", async () => {
    const place = await sqlite.place();
    places.push(place);
    const store = await run(openStore(place.config));
    const sync = await run(store.openSync(identity(), "test"));
    await run(store.confirm(sync.id, randomPage(10)));
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect((await failureOf(store.listRuns({ limit: 1 }))).reason).toBe(`${store.describe}: the store is closed`);
    expect(await place.sql("SELECT count(*) AS n FROM sync_state")).toEqual([{ n: 10 }]);
  });

  it("keeps the event loop of the thread using it responsive while a million confirmed rows are folded", async () => {
    const place = await sqlite.place();
    places.push(place);
    const store = await run(openStore(place.config));
    opened.push(store);
    const sync = await run(store.openSync(identity(), "test"));
    const pages = Array.from({ length: 250 }, () => randomPage(4000));
    // A 10 ms timer's lateness: how long this thread's event loop was held at worst (a timer that
    // never got its turn counts too, at the end). A fold of the rows confirmed so far (here before
    // the state is read) takes the store a second or more at this size; the call waits for it, the
    // event loop must not. The bound leaves room for a loaded machine, which
    // can keep any thread off a core for tens of milliseconds.
    let lateness = 0;
    let due = performance.now() + 10;
    const timer = setInterval(() => {
      const now = performance.now();
      lateness = Math.max(lateness, now - due);
      due = now + 10;
    }, 10);
    let longestCall = 0;
    const timed = async <A>(call: () => Promise<A>): Promise<A> => {
      const start = performance.now();
      try {
        return await call();
      } finally {
        longestCall = Math.max(longestCall, performance.now() - start);
      }
    };
    let read = 0;
    try {
      for (const page of pages) await timed(() => run(store.confirm(sync.id, page)));
      const state = store.readState(sync.id, 100_000)[Symbol.asyncIterator]();
      for (let next = await timed(() => state.next()); next.done !== true; next = await timed(() => state.next())) read += next.value.count;
    } finally {
      lateness = Math.max(lateness, performance.now() - due);
      clearInterval(timer);
    }
    expect(read).toBe(1_000_000);
    // The calls that folded waited far longer than the event loop was ever held.
    expect(longestCall).toBeGreaterThan(4 * lateness);
    expect(lateness).toBeLessThan(250);
  });

});

describe("storeLayer", () => {
  it("opens the SQLite file in TAGWIRE_STATE_DIR, creating the directory, and closes it with the runtime", async () => {
    const place = await BACKENDS[0]!.place();
    try {
      if (place.config.kind !== "sqlite") throw new Error("sqlite expected");
      const dir = dirname(place.config.path);
      expect(existsSync(dir)).toBe(false);
      const runtime = ManagedRuntime.make(storeLayer({ TAGWIRE_STATE_DIR: dir }) as Layer.Layer<SyncStoreService, StoreError>);
      const store = await runtime.runPromise(SyncStoreService);
      expect(store.describe).toBe(`sqlite:${join(dir, "tagwire.db")}`);
      await runtime.runPromise(store.startRun(runRecord("r", new Date().toISOString())));
      expect(existsSync(`${place.config.path}-wal`)).toBe(true);
      await runtime.dispose();
      // The last connection to close checkpoints the write-ahead log and removes it.
      expect(existsSync(`${place.config.path}-wal`)).toBe(false);
    } finally {
      await place.remove();
    }
  });

  it("opens Postgres for a postgres:// URL and releases its connections with the runtime", async () => {
    const place = await BACKENDS[1]!.place();
    try {
      const tag = `tagwire_layer_${process.pid}`;
      const url = new URL((place.config as { url: string }).url);
      url.searchParams.set("application_name", tag);
      const runtime = ManagedRuntime.make(storeLayer({ TAGWIRE_DATABASE_URL: url.toString() }) as Layer.Layer<SyncStoreService, StoreError>);
      const store = await runtime.runPromise(SyncStoreService);
      expect(store.describe).toBe("postgres://postgres@127.0.0.1:5432/test");
      await runtime.runPromise(store.listRuns({ limit: 1 }));
      const connections = async () => Number((await adminQuery("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [tag]))[0]!["n"]);
      expect(await connections()).toBeGreaterThan(0);
      await runtime.dispose();
      await expect.poll(connections, { timeout: 5000 }).toBe(0);
    } finally {
      await place.remove();
    }
  });

  it("provides no store for `none`", async () => {
    const found = await Effect.runPromise(Effect.serviceOption(SyncStoreService).pipe(Effect.provide(storeLayer({ TAGWIRE_DATABASE_URL: "none" }))));
    expect(Option.isNone(found)).toBe(true);
  });

  it("fails with a clear error for a bad variable", async () => {
    const bad = async (env: Record<string, string>) => {
      const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(storeLayer(env))));
      expect(Exit.isFailure(exit)).toBe(true);
      return String(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as StoreError).reason : "");
    };
    expect(await bad({ TAGWIRE_DATABASE_URL: "mysql://root:hunter2@db/x" })).toMatch(/^TAGWIRE_DATABASE_URL must be unset .* got a mysql: URL$/);
    expect(await bad({ TAGWIRE_DATABASE_URL: "mysql://root:hunter2@db/x" })).not.toContain("hunter2");
    expect(await bad({ TAGWIRE_DATABASE_URL: "postgres://a:b@c@d/e#x" })).not.toContain("b@c");
    expect(await bad({ TAGWIRE_HISTORY_DAYS: "0" })).toMatch(/TAGWIRE_HISTORY_DAYS must be a whole number of days, 1 or more; got "0"/);
    expect(await bad({ TAGWIRE_HISTORY_DAYS: "ten" })).toMatch(/TAGWIRE_HISTORY_DAYS/);
  });

  it("says which Postgres cannot be reached, and never its password", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(storeLayer({ TAGWIRE_DATABASE_URL: "postgres://tagwire:s3cret-Pa55@127.0.0.1:1/state" }))));
    const reason = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as StoreError).reason : "";
    expect(reason).toBe("postgres://tagwire@127.0.0.1:1/state: cannot prepare the database: connection refused");
  });

  it("says when a password is refused, without the password", async () => {
    const place = await BACKENDS[1]!.place();
    try {
      // A role that does not exist is refused by name, under trust authentication too.
      const url = new URL(POSTGRES_FOR_NO_ROLE);
      const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(storeLayer({ TAGWIRE_DATABASE_URL: url.toString() }))));
      const reason = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? (exit.cause.error as StoreError).reason : "";
      expect(reason).toMatch(/^postgres:\/\/no_such_role_tagwire@127\.0\.0\.1:5432\/test: cannot prepare the database: .*no_such_role_tagwire/);
      expect(reason).not.toContain("Pa55word");
    } finally {
      await place.remove();
    }
  });
});

const POSTGRES_FOR_NO_ROLE = "postgres://no_such_role_tagwire:Pa55word@127.0.0.1:5432/test";

afterAll(async () => {
  // No test leaves a schema behind.
  const left = await adminQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", [`${SCHEMA_PREFIX}%`]);
  expect(left).toEqual([]);
});
