// The embedded store as the server's thread uses it: the SQLite file is opened, migrated, written
// and folded on a thread of its own (sqlite-thread.ts), one per opened store, so that no database
// call holds the server's event loop. Calls go to that thread as messages and come back as answers;
// pages of state read there are handed over, not copied, and a confirmed page's digests cross as one
// buffer. Closing the store folds what is left, closes the file and ends the thread.
import type { Worker } from "node:worker_threads";
import { randomUUID } from "node:crypto";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import { DIGEST_BYTES, pollHold, StoreError, startWorker, type DigestPage, type RunRecord, type SyncIdentity } from "@tagwire/engine";
import { storeFailure } from "./failure.js";
import type { OpenedStore } from "./opened-store.js";
import type { FromSqliteThread, SqliteArgs, SqliteCall, SqliteRequest, SqliteThreadData, SqliteValue } from "./sqlite-protocol.js";

// Under the test runner this module is TypeScript source, which a worker cannot load: use the build.
const THREAD_URL = new URL(import.meta.url.endsWith(".ts") ? "../dist/sqlite-thread.js" : "./sqlite-thread.js", import.meta.url);

/**
 * A sync's lease lasts this long unless renewed: how long a killed process keeps the sync from the
 * next run. Renewed three times as often, so a busy event loop does not lose it.
 */
export const LEASE_MS = 30_000;
const RENEW_MS = LEASE_MS / 3;

type Settle = { readonly resolve: (value: unknown) => void; readonly reject: (error: StoreError) => void };

export function openSqlite(path: string): Promise<OpenedStore> {
  const describe = `sqlite:${path}`;
  let worker: Worker;
  try {
    worker = startWorker(THREAD_URL, { workerData: { path } satisfies SqliteThreadData });
  } catch (e) {
    return Promise.reject(storeFailure(describe, "cannot start the store's thread", e));
  }
  return new Promise<OpenedStore>((resolve, reject) => {
    const onOpen = (message: FromSqliteThread) => {
      stop();
      if ("opened" in message) resolve(new SqliteStore(worker, message.opened));
      else {
        reject(new StoreError({ reason: "openFailed" in message ? message.openFailed : `${describe}: the store's thread answered before it opened` }));
        void worker.terminate();
      }
    };
    const onError = (e: Error) => {
      stop();
      reject(storeFailure(describe, "the store's thread stopped", e));
    };
    const onExit = (code: number) => {
      stop();
      reject(new StoreError({ reason: `${describe}: the store's thread exited (code ${code}) before the file was open` }));
    };
    const stop = () => {
      worker.off("message", onOpen).off("error", onError).off("exit", onExit);
    };
    worker.on("message", onOpen).on("error", onError).on("exit", onExit);
  });
}

/** A confirmed page as one buffer (keys, then contents) that moves to the store's thread: the caller keeps its own columns. */
function packed(page: DigestPage): { readonly page: DigestPage; readonly transfer: ArrayBuffer[] } {
  const bytes = page.count * DIGEST_BYTES;
  const columns = new Uint8Array(2 * bytes);
  columns.set(page.keys.subarray(0, bytes), 0);
  columns.set(page.contents.subarray(0, bytes), bytes);
  const sealed = page.sealed?.slice(0, page.count);
  return { page: { count: page.count, keys: columns.subarray(0, bytes), contents: columns.subarray(bytes), ...(sealed !== undefined ? { sealed } : {}) }, transfer: [columns.buffer] };
}

class SqliteStore implements OpenedStore {
  private readonly pending = new Map<number, Settle>();
  private nextId = 0;
  /** Why no call can be answered any more: the thread stopped, or the store was closed. */
  private ended: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly worker: Worker,
    readonly describe: string,
  ) {
    worker.on("message", (message: FromSqliteThread) => this.settle(message));
    worker.on("error", (e) => this.end(`the store's thread stopped: ${e.message}`));
    worker.on("exit", (code) => this.end(`the store's thread exited (code ${code})`));
    // The thread keeps the process alive only while a call waits for its answer.
    worker.unref();
  }

  private settle(message: FromSqliteThread): void {
    if (!("id" in message)) return;
    const waiting = this.pending.get(message.id);
    if (waiting === undefined) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if ("failed" in message) waiting.reject(new StoreError({ reason: message.failed }));
    else waiting.resolve(message.value);
  }

  private end(reason: string): void {
    this.ended ??= reason;
    for (const waiting of this.pending.values()) waiting.reject(new StoreError({ reason: `${this.describe}: ${reason}` }));
    this.pending.clear();
  }

  private call<C extends SqliteCall>(call: C, args: SqliteArgs<C>, transfer: ArrayBuffer[] = []): Promise<SqliteValue<C>> {
    if (this.ended !== undefined) return Promise.reject(new StoreError({ reason: `${this.describe}: ${this.ended}` }));
    const id = ++this.nextId;
    return new Promise<SqliteValue<C>>((resolve, reject) => {
      try {
        this.worker.postMessage({ id, call, args } satisfies SqliteRequest<C>, transfer);
      } catch (e) {
        reject(storeFailure(this.describe, `cannot send ${call} to the store's thread`, e));
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private effect<C extends SqliteCall>(call: C, args: () => SqliteArgs<C>, transfer: () => ArrayBuffer[] = () => []): Effect.Effect<SqliteValue<C>, StoreError> {
    return Effect.tryPromise({
      try: () => this.call(call, args(), transfer()),
      catch: (e) => (e instanceof StoreError ? e : storeFailure(this.describe, `cannot ${call}`, e)),
    });
  }

  openSync(identity: SyncIdentity, connector: string) {
    return this.effect("openSync", () => [identity, connector]);
  }

  holdSync(syncId: string, waitMs: number, onLost?: (why: string) => void) {
    const holder = randomUUID();
    const take = pollHold(this.effect("takeLease", () => [syncId, holder, LEASE_MS]), waitMs);
    // Renewed until the scope closes; a renewal that fails is tried again at the next turn (the
    // lease lasts three turns), and one that finds the lease gone ends the hold.
    const renew = this.effect("renewLease", () => [syncId, holder, LEASE_MS]).pipe(
      Effect.map((renewed) => renewed !== false),
      Effect.orElseSucceed(() => true),
      Effect.delay(Duration.millis(RENEW_MS)),
      Effect.repeat({ while: (renewed) => renewed }),
      Effect.tap(() => Effect.sync(() => onLost?.(`its lease in ${this.describe} expired and was taken by another run`))),
    );
    return Effect.gen(this, function* () {
      const taken = yield* Effect.acquireRelease(take, (held) =>
        held ? this.effect("releaseLease", () => [syncId, holder]).pipe(Effect.catchAll(() => Effect.void)) : Effect.void,
      );
      if (taken) yield* Effect.forkScoped(renew);
      return taken;
    });
  }

  async *readState(syncId: string, pageSize: number): AsyncIterable<DigestPage> {
    const size = Math.max(1, Math.floor(pageSize));
    // The store's thread reads the next page while the caller takes this one, into the other of
    // two buffers both threads share: pages cost no allocation, and leave no garbage here.
    const buffers = [new SharedArrayBuffer(2 * size * DIGEST_BYTES), new SharedArrayBuffer(2 * size * DIGEST_BYTES)];
    let asked = 0;
    const ask = (after: Uint8Array) => {
      const page = this.call("readPage", [syncId, after, size, buffers[asked++ % 2]]);
      // A page asked ahead by a read given up part-way is never awaited: its failure is dropped.
      page.catch(() => undefined);
      return page;
    };
    let next = ask(new Uint8Array(0));
    for (;;) {
      const page = await next;
      const full = page.count === size;
      if (full) next = ask(page.keys.slice((page.count - 1) * DIGEST_BYTES, page.count * DIGEST_BYTES));
      if (page.count > 0) yield page;
      if (!full) return;
    }
  }

  confirm(syncId: string, page: DigestPage) {
    return Effect.suspend(() => {
      // A page that does not hold its count is refused by the store's thread with the reason.
      const whole = page.keys.byteLength >= page.count * DIGEST_BYTES && page.contents.byteLength >= page.count * DIGEST_BYTES && Number.isSafeInteger(page.count) && page.count >= 0;
      const sent = whole ? packed(page) : { page, transfer: [] };
      return this.effect("confirm", () => [syncId, sent.page], () => sent.transfer);
    });
  }

  forget(syncId: string, keys: Uint8Array) {
    return this.effect("forget", () => [syncId, keys]);
  }

  reset(syncId: string) {
    return this.effect("reset", () => [syncId]);
  }

  listSyncs() {
    return this.effect("listSyncs", () => []);
  }

  startRun(run: RunRecord) {
    return this.effect("startRun", () => [run]);
  }

  finishRun(run: RunRecord) {
    return this.effect("finishRun", () => [run]);
  }

  listRuns(query: { readonly syncId?: string; readonly limit: number }) {
    return this.effect("listRuns", () => [query]);
  }

  getRun(runId: string) {
    return this.effect("getRun", () => [runId]);
  }

  prune(before: Date) {
    return this.effect("prune", () => [before]);
  }

  /** Folds what is left and closes the file on its thread, then ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.ended === undefined) await this.call("close", []);
      } finally {
        this.ended ??= "the store is closed";
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }
}
