// The store as the runtimes provide it: opened (and migrated) when the runtime starts, history older
// than TAGWIRE_HISTORY_DAYS deleted then and after every run's end, closed when the runtime ends.
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type * as Scope from "effect/Scope";
import { StoreError, SyncStoreService, type RunRecord, type SyncStore } from "@tagwire/engine";
import { storeConfig, type StoreConfig } from "./config.js";
import type { OpenedStore } from "./opened-store.js";

type Env = Readonly<Record<string, string | undefined>>;
export type BackendConfig = Exclude<StoreConfig, { readonly kind: "none" }>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens the backend the config names (its driver is loaded only now) and applies its migrations. */
export function openStore(config: BackendConfig): Effect.Effect<OpenedStore, StoreError> {
  return Effect.tryPromise({
    try: async () => (config.kind === "sqlite" ? (await import("./sqlite.js")).openSqlite(config.path) : (await import("./postgres.js")).openPostgres(config.url)),
    catch: (e) => (e instanceof StoreError ? e : new StoreError({ reason: `cannot open the store: ${e instanceof Error ? e.message : String(e)}` })),
  });
}

/** The store for the life of a scope, with its retention kept: closed when the scope closes. */
export function scopedStore(config: BackendConfig): Effect.Effect<SyncStore, StoreError, Scope.Scope> {
  return Effect.gen(function* () {
    const store = yield* Effect.acquireRelease(openStore(config), (opened) => Effect.promise(() => opened.close().catch(() => undefined)));
    const retained = withRetention(store, config.historyDays);
    yield* retained.prune(historyCutoff(config.historyDays));
    return retained;
  });
}

/** The oldest start a run kept for `days` days may have. */
export const historyCutoff = (days: number, now: Date = new Date()): Date => new Date(now.getTime() - days * DAY_MS);

/** The store, deleting the history that has aged past `days` each time a run ends. */
export function withRetention(store: SyncStore, days: number): SyncStore {
  return {
    describe: store.describe,
    openSync: (identity, connector) => store.openSync(identity, connector),
    holdSync: (syncId, waitMs, onLost) => store.holdSync(syncId, waitMs, onLost),
    readState: (syncId, pageSize) => store.readState(syncId, pageSize),
    confirm: (syncId, page) => store.confirm(syncId, page),
    forget: (syncId, keys) => store.forget(syncId, keys),
    reset: (syncId) => store.reset(syncId),
    listSyncs: () => store.listSyncs(),
    startRun: (run) => store.startRun(run),
    finishRun: (run: RunRecord) => store.finishRun(run).pipe(Effect.zipRight(store.prune(historyCutoff(days)))),
    listRuns: (query) => store.listRuns(query),
    getRun: (runId) => store.getRun(runId),
    prune: (before) => store.prune(before),
  };
}

/**
 * The SyncStoreService the environment asks for (TAGWIRE_DATABASE_URL, TAGWIRE_STATE_DIR,
 * TAGWIRE_HISTORY_DAYS), or nothing with `TAGWIRE_DATABASE_URL=none`: runs then keep no state and no
 * history. Fails with a StoreError for a bad variable or a database that cannot be opened.
 */
export function storeLayer(env: Env): Layer.Layer<never, StoreError> {
  const config = storeConfig(env);
  return config instanceof StoreError ? Layer.fail(config) : storeLayerOf(config);
}

/** The SyncStoreService for a config already read (or nothing for `none`). */
export function storeLayerOf(config: StoreConfig): Layer.Layer<never, StoreError> {
  return config.kind === "none" ? Layer.empty : Layer.scoped(SyncStoreService, scopedStore(config));
}

/** The store for a command that reads it (`tagwire runs`, `syncs`); `none` is an error there, since nothing is kept. */
export function requiredStore(env: Env): Effect.Effect<SyncStore, StoreError, Scope.Scope> {
  const config = storeConfig(env);
  if (config instanceof StoreError) return Effect.fail(config);
  if (config.kind === "none") return Effect.fail(new StoreError({ reason: "TAGWIRE_DATABASE_URL is `none`: no store is kept, so there are no syncs or runs to show" }));
  return scopedStore(config);
}
