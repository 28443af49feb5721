// The embedded store's own thread: it opens (and migrates) the SQLite file, then answers the
// server's thread one request at a time. Every better-sqlite3 call blocks the thread that makes it
// (a fold of confirmed rows holds it for about a second), so none is made on the server's thread.
import { parentPort, workerData } from "node:worker_threads";
import { FOLD_WHEN_IDLE_MS } from "./digest-pages.js";
import { openSqliteDatabase, type SqliteDatabase } from "./sqlite-database.js";
import { SQLITE_CALLS, type FromSqliteThread, type SqliteRequest, type SqliteThreadData } from "./sqlite-protocol.js";

const port = parentPort;
if (port === null) throw new Error("sqlite-thread.js runs as a worker thread of the store");

// The database words its failures as DatabaseFailures, whose message is the reason; the thread loads no engine code.
const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const calls = new Set<string>(SQLITE_CALLS);

/** Buffers of a page read that move to the server's thread rather than being copied. */
function transfersOf(value: unknown): ArrayBuffer[] {
  const page = value as { keys?: unknown; contents?: unknown; sealed?: ReadonlyArray<Uint8Array | undefined> } | undefined;
  if (!(page?.keys instanceof Uint8Array) || !(page.contents instanceof Uint8Array)) return [];
  const buffers = new Set<ArrayBuffer>();
  // A page read into memory both threads share crosses as it is.
  for (const column of [page.keys, page.contents, ...(page.sealed ?? [])]) if (column !== undefined && column.buffer instanceof ArrayBuffer) buffers.add(column.buffer);
  return [...buffers];
}

/** Answers each request with `db`, then folds what is due, and all that was confirmed once requests stop for FOLD_WHEN_IDLE_MS. */
function answerer(db: SqliteDatabase): (request: SqliteRequest) => void {
  let idleFold: ReturnType<typeof setTimeout> | undefined;
  return (request) => {
    clearTimeout(idleFold);
    let message: FromSqliteThread;
    let transfer: ArrayBuffer[] = [];
    try {
      if (!calls.has(request.call)) throw new Error(`the store's thread has no call ${String(request.call)}`);
      const value = (db[request.call] as (...args: unknown[]) => unknown).apply(db, request.args as unknown[]);
      message = { id: request.id, value };
      transfer = transfersOf(value);
    } catch (e) {
      message = { id: request.id, failed: reasonOf(e) };
    }
    port!.postMessage(message, transfer);
    if (request.call === "close") port!.close();
    else {
      db.foldIfDue(false);
      idleFold = setTimeout(() => db.foldIfDue(true), FOLD_WHEN_IDLE_MS);
    }
  };
}

/** The file opened and migrated, or undefined once the server's thread is told why it could not be. */
function openDatabase(): SqliteDatabase | undefined {
  try {
    return openSqliteDatabase((workerData as SqliteThreadData).path);
  } catch (e) {
    port!.postMessage({ openFailed: reasonOf(e) } satisfies FromSqliteThread);
    port!.close();
    return undefined;
  }
}

const opened = openDatabase();
if (opened !== undefined) {
  port.on("message", answerer(opened));
  port.postMessage({ opened: opened.describe } satisfies FromSqliteThread);
}
