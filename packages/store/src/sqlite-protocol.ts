// What the server's thread and the embedded store's thread say to each other: a request names one
// of the database's calls and its arguments, the answer carries its value or the StoreError's reason.
import type { SqliteDatabase } from "./sqlite-database.js";

/** The database's calls the store's thread answers. */
export const SQLITE_CALLS = ["openSync", "readPage", "confirm", "forget", "reset", "listSyncs", "startRun", "finishRun", "listRuns", "getRun", "prune", "takeLease", "renewLease", "releaseLease", "close"] as const;

export type SqliteCall = (typeof SQLITE_CALLS)[number];
export type SqliteArgs<C extends SqliteCall> = Parameters<SqliteDatabase[C]>;
export type SqliteValue<C extends SqliteCall> = ReturnType<SqliteDatabase[C]>;

export interface SqliteRequest<C extends SqliteCall = SqliteCall> {
  readonly id: number;
  readonly call: C;
  readonly args: SqliteArgs<C>;
}

/** What the thread says: once that the file is open (or why not), then one answer per request. */
export type FromSqliteThread =
  | { readonly opened: string }
  | { readonly openFailed: string }
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly failed: string };

/** What the thread is started with. */
export interface SqliteThreadData {
  readonly path: string;
}
