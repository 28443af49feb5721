// The state store of change-only syncs and the history of runs, behind the engine's SyncStore:
// an embedded SQLite file by default, a shared Postgres database for several replicas. The drivers
// load only when a store is opened.
export { storeConfig, defaultStateDir, stateDirOf, describePostgres, DEFAULT_HISTORY_DAYS, DATABASE_FILE, type StoreConfig } from "./config.js";
export { historyCutoff, openStore, requiredStore, scopedStore, storeLayer, storeLayerOf, withRetention, type BackendConfig } from "./layer.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { syncIdOf } from "./records.js";
export type { OpenedStore } from "./opened-store.js";
export { BUDGETS_TABLE, describeRedis, sharedBudgetsConfig, sharedRateBudgetsLayer, type SharedBudgetsConfig } from "./shared-rate-budgets.js";
