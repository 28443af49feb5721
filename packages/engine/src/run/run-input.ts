// What a run is given, and the figures it tells while it goes.

import type { Connector } from "../manifest/connector.js";
import type { LookEvent } from "../look/read-look.js";
import type { PeekedLook } from "../look/peek-header.js";
import type { Plan } from "../plan/types.js";
import type { TagSource } from "../plan/tag-fixes.js";
import type { Transport } from "../deliver/transport.js";
import type { RetryPolicy } from "../deliver/retry.js";
import type { RateLimitSetting } from "../deliver/rate-limit.js";
import type { Env } from "./endpoint.js";
import type { RunStop } from "./run-stop.js";
import type { SyncRequest } from "../sync/sync-run.js";

export interface RunProgress {
  readonly read: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly failed: number;
  readonly requests: number;
  readonly retries: number;
  /** Wall-clock ms so far during which some request waited for the rate limit or a `Retry-After`. */
  readonly pacedMs?: number;
  /** Epoch ms until which a request of the run waits for the rate limit; absent or past: none does. */
  readonly pacedUntil?: number;
  /** Epoch ms until which a 429's `Retry-After` holds every request to the destination. */
  readonly heldUntil?: number;
  /** The last answer that failed a request (retried unless its retries are used up), and when. */
  readonly lastFailure?: { readonly reason: string; readonly at: number };
}

/**
 * A Look downloaded while the run goes (Looker's `download_url`, the Looker API), usually through
 * the spool, which reads it ahead of the run: it knows when the download ended, before the run has
 * read its last rows.
 */
export interface LookDownload {
  /** `performance.now()` when the last byte arrived; undefined until then, and for a download that broke off. */
  readonly finishedAt: number | undefined;
  /**
   * Given by a run that is paced: whether its destination holds its requests back now (a rate
   * limit or a Retry-After). A spool reads the download ahead of a run held back.
   */
  readonly watchHold?: (heldBack: () => boolean) => void;
}

export interface RunInput {
  readonly connector: Connector;
  /** The Look: its header first, then its rows (see `readLook`), or its header already read (see `peekHeader`). */
  readonly look: AsyncIterable<LookEvent> | PeekedLook;
  /** Credentials and other admin settings; not needed for a dry run. */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  readonly options?: Readonly<Record<string, string | undefined>>;
  readonly action?: string;
  readonly downstreams?: ReadonlyArray<string>;
  readonly hiddenFields?: ReadonlyArray<string>;
  /** Where the Look's tags are given, for the wording of the plan's fixes (see PlanInput). */
  readonly tagSource?: TagSource;
  /** Same run id and rows, same record ids (in any row order): a replayed run is deduplicated downstream. Random when absent. */
  readonly runId?: string;
  /** Where `TAGWIRE_<ID>_URL` is read from (defaults to the process environment). */
  readonly env?: Env;
  readonly concurrency?: number;
  /**
   * Worker threads that parse, transform and serialise rows (0: all on this thread). They pay
   * off on long Looks read with `readLook(source, { raw: true })`.
   */
  readonly workers?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Replaces the manifest's `wire.rateLimit` and `TAGWIRE_<ID>_RATE_LIMIT`; `"off"` sends unpaced. */
  readonly rateLimit?: RateLimitSetting;
  /** Sends this run's requests instead of the TransportService (tests give scripted answers). */
  readonly transport?: Transport;
  /** Validate every record against the connector's wire schema before sending (default on). */
  readonly validateRecords?: boolean;
  /** Transform and batch, send nothing. */
  readonly dryRun?: boolean;
  readonly onPlan?: (plan: Plan) => void;
  /** Called after each chunk of rows is read, after each request's answer, and after each batch settles. */
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * Asks the run to stop: it reads no further, sends nothing new, gives requests in flight the
   * grace period, and returns the report of what it did (see `RunReport.stopped`).
   */
  readonly stop?: RunStop;
  /**
   * Send only what changed since this sync's last confirmed run (needs the SyncStoreService and a
   * mode whose connector declares syncs; otherwise every row is sent and the report says why).
   */
  readonly sync?: SyncRequest;
  /** The Look is downloaded as the run goes: the run's reading ends when the download does, and the summary says how long reading and sending each took. */
  readonly download?: LookDownload;
  /** Where the rows came from, for the store's history: `looker`, `file:<name>`, ... */
  readonly source?: string;
  /** Looker's webhook id, for the store's history. */
  readonly webhookId?: string;
}
