// A SyncStore in memory, for tests of every package (`@tagwire/engine/testing`): the engine's
// interface over Maps, with what it holds open to assertions. The real backends live in
// @tagwire/store.

import { randomBytes, createHash } from "node:crypto";
import * as Effect from "effect/Effect";
import { pollHold } from "./sync-hold.js";
import { DIGEST_BYTES } from "./digest-bytes.js";
import type { DigestPage, RunRecord, SyncIdentity, SyncRecord, SyncStore, SyncSummary } from "./store.js";

const hex = (bytes: Uint8Array, i: number) => Buffer.from(bytes.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES)).toString("hex");

export interface MemoryStore extends SyncStore {
  /** Each sync's state: key digest (hex) -> content digest (hex). */
  readonly states: Map<string, Map<string, string>>;
  /** Each sync's sealed identities, by key digest (hex). */
  readonly sealed: Map<string, Map<string, Uint8Array>>;
  readonly runs: RunRecord[];
  /** How many times `confirm` was called. */
  confirms: number;
  /** Syncs a run holds now. */
  readonly held: Set<string>;
  /** Ends a run's hold on the sync as a broken connection would: the sync is free, and its holder is told why. */
  loseHold(syncId: string, why: string): void;
}

export function memorySyncStore(): MemoryStore {
  const syncs = new Map<string, SyncRecord>();
  const states = new Map<string, Map<string, string>>();
  const runs: RunRecord[] = [];
  const sealed = new Map<string, Map<string, Uint8Array>>();
  const sealedOf = (id: string) => {
    let s = sealed.get(id);
    if (s === undefined) sealed.set(id, (s = new Map()));
    return s;
  };
  const stateOf = (id: string) => {
    let s = states.get(id);
    if (s === undefined) states.set(id, (s = new Map()));
    return s;
  };
  const held = new Set<string>();
  const holders = new Map<string, (why: string) => void>();
  const store: MemoryStore = {
    describe: "memory",
    held,
    holdSync: (syncId, waitMs, onLost) => {
      const token = (why: string) => onLost?.(why);
      const take = Effect.sync(() => (held.has(syncId) ? false : (held.add(syncId), holders.set(syncId, token), true)));
      return Effect.acquireRelease(pollHold(take, waitMs, 10), (taken) =>
        Effect.sync(() => {
          // A hold that was lost may have been taken by another run since: only this one's is let go.
          if (!taken || holders.get(syncId) !== token) return;
          held.delete(syncId);
          holders.delete(syncId);
        }),
      );
    },
    loseHold: (syncId, why) => {
      const holder = holders.get(syncId);
      held.delete(syncId);
      holders.delete(syncId);
      holder?.(why);
    },
    states,
    sealed,
    runs,
    confirms: 0,
    openSync: (identity: SyncIdentity, connector: string) =>
      Effect.sync(() => {
        const id = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
        let sync = syncs.get(id);
        if (sync === undefined) syncs.set(id, (sync = { id, identity, connector, salt: new Uint8Array(randomBytes(32)), createdAt: new Date().toISOString() }));
        return sync;
      }),
    async *readState(syncId: string, pageSize: number): AsyncIterable<DigestPage> {
      const entries = [...stateOf(syncId)];
      for (let start = 0; start < entries.length; start += pageSize) {
        const page = entries.slice(start, start + pageSize);
        yield {
          count: page.length,
          keys: Buffer.concat(page.map(([k]) => Buffer.from(k, "hex"))),
          contents: Buffer.concat(page.map(([, c]) => Buffer.from(c, "hex"))),
          sealed: page.map(([k]) => sealedOf(syncId).get(k)),
          ...(start === 0 ? { total: entries.length } : {}),
        };
      }
    },
    confirm: (syncId, page) =>
      Effect.sync(() => {
        store.confirms++;
        const state = stateOf(syncId);
        for (let i = 0; i < page.count; i++) {
          const key = hex(page.keys, i);
          state.set(key, hex(page.contents, i));
          const seal = page.sealed?.[i];
          if (seal !== undefined) sealedOf(syncId).set(key, seal);
          else sealedOf(syncId).delete(key);
        }
      }),
    forget: (syncId, keys) =>
      Effect.sync(() => {
        const state = stateOf(syncId);
        for (let i = 0; i < keys.length / DIGEST_BYTES; i++) {
          state.delete(hex(keys, i));
          sealedOf(syncId).delete(hex(keys, i));
        }
      }),
    reset: (syncId) =>
      Effect.sync(() => {
        sealed.delete(syncId);
        return states.delete(syncId);
      }),
    listSyncs: () =>
      Effect.sync((): SyncSummary[] =>
        [...syncs.values()].map(({ salt: _salt, ...sync }) => ({ sync, rows: stateOf(sync.id).size, ...lastRunOf(runs, sync.id) })),
      ),
    startRun: (run) => Effect.sync(() => void runs.push(run)),
    finishRun: (run) =>
      Effect.sync(() => {
        const i = runs.findIndex((r) => r.runId === run.runId && r.finishedAt === undefined);
        if (i >= 0) runs[i] = run;
        else runs.push(run);
      }),
    listRuns: (query) => Effect.sync(() => runs.filter((r) => query.syncId === undefined || r.syncId === query.syncId).slice(-query.limit).reverse()),
    getRun: (runId) => Effect.sync(() => runs.find((r) => r.runId === runId)),
    prune: (before) =>
      Effect.sync(() => {
        const kept = runs.filter((r) => Date.parse(r.startedAt) >= before.getTime());
        const deleted = runs.length - kept.length;
        runs.splice(0, runs.length, ...kept);
        return deleted;
      }),
  };
  return store;
}

function lastRunOf(runs: ReadonlyArray<RunRecord>, syncId: string): { lastRun?: RunRecord } {
  const last = [...runs].reverse().find((r) => r.syncId === syncId);
  return last === undefined ? {} : { lastRun: last };
}
