// What both backends share about the rows they keep: a sync's id, and a run record as columns.
import { createHash, randomBytes } from "node:crypto";
import type { RunFigures, RunRecord, SyncIdentity, SyncRecord } from "@tagwire/engine";

/** Bytes of a sync's salt. */
export const SALT_BYTES = 32;

export const newSalt = (): Uint8Array => new Uint8Array(randomBytes(SALT_BYTES));

/** A sync's id: the first 16 hex digits of the SHA-256 of its identity, stable across processes and backends. */
export function syncIdOf(identity: SyncIdentity): string {
  const text = JSON.stringify([identity.instance, identity.plan, identity.action, identity.workspace]);
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** A run record's columns, in the order the backends' statements bind them. */
export interface RunColumns {
  readonly run_id: string;
  readonly sync_id: string | null;
  readonly connector: string;
  readonly action: string | null;
  readonly source: string;
  readonly webhook_id: string | null;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly figures: string | null;
  readonly rejected_groups: string | null;
  readonly failed_groups: string | null;
  readonly read_ms: number | null;
  readonly send_ms: number | null;
  readonly success: boolean | null;
}

export const RUN_COLUMNS = ["run_id", "sync_id", "connector", "action", "source", "webhook_id", "started_at", "finished_at", "figures", "rejected_groups", "failed_groups", "read_ms", "send_ms", "success"] as const;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** Times are kept in one form (UTC ISO 8601) so that they compare as text too. */
export function isoTime(text: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new TypeError(`not a time: ${text.slice(0, 40)}`);
  return time.toISOString();
}

export function runColumns(run: RunRecord): RunColumns {
  return {
    run_id: run.runId,
    sync_id: run.syncId ?? null,
    connector: run.connector,
    action: run.action ?? null,
    source: run.source,
    webhook_id: run.webhookId ?? null,
    started_at: isoTime(run.startedAt),
    finished_at: run.finishedAt !== undefined ? isoTime(run.finishedAt) : null,
    figures: json(run.figures),
    rejected_groups: json(run.rejected),
    failed_groups: json(run.failed),
    read_ms: run.readMs ?? null,
    send_ms: run.sendMs ?? null,
    success: run.success ?? null,
  };
}

/** A row as a driver gives it back: times as Date or text, JSON as text or parsed, success as 0/1 or boolean. */
export interface StoredRun {
  readonly run_id: string;
  readonly sync_id: string | null;
  readonly connector: string;
  readonly action: string | null;
  readonly source: string;
  readonly webhook_id: string | null;
  readonly started_at: string | Date;
  readonly finished_at: string | Date | null;
  readonly figures: unknown;
  readonly rejected_groups: unknown;
  readonly failed_groups: unknown;
  /** Postgres gives a bigint as text. */
  readonly read_ms: number | string | null;
  readonly send_ms: number | string | null;
  readonly success: number | boolean | null;
}

const timeText = (t: string | Date): string => (t instanceof Date ? t.toISOString() : t);
const parsedJson = <A>(value: unknown): A | undefined => (value === null || value === undefined ? undefined : ((typeof value === "string" ? JSON.parse(value) : value) as A));

export function runRecordOf(row: StoredRun): RunRecord {
  const figures = parsedJson<RunFigures>(row.figures);
  const rejected = parsedJson<RunRecord["rejected"]>(row.rejected_groups);
  const failed = parsedJson<RunRecord["failed"]>(row.failed_groups);
  return {
    runId: row.run_id,
    ...(row.sync_id !== null ? { syncId: row.sync_id } : {}),
    connector: row.connector,
    ...(row.action !== null ? { action: row.action } : {}),
    source: row.source,
    ...(row.webhook_id !== null ? { webhookId: row.webhook_id } : {}),
    startedAt: timeText(row.started_at),
    ...(row.finished_at !== null ? { finishedAt: timeText(row.finished_at) } : {}),
    ...(figures !== undefined ? { figures } : {}),
    ...(rejected !== undefined ? { rejected } : {}),
    ...(failed !== undefined ? { failed } : {}),
    ...(row.read_ms !== null && row.read_ms !== undefined ? { readMs: Number(row.read_ms) } : {}),
    ...(row.send_ms !== null && row.send_ms !== undefined ? { sendMs: Number(row.send_ms) } : {}),
    ...(row.success !== null ? { success: row.success === true || row.success === 1 } : {}),
  };
}

/** A sync's row as a driver gives it back (its creation time as Date or text). */
export interface SyncRow {
  readonly id: string;
  readonly instance: string;
  readonly plan: string;
  readonly action: string;
  readonly workspace: string;
  readonly connector: string;
  readonly salt: Buffer;
  readonly created_at: string | Date;
}

export const syncOf = (row: SyncRow): SyncRecord => ({
  id: row.id,
  identity: { instance: row.instance, plan: row.plan, action: row.action, workspace: row.workspace },
  connector: row.connector,
  salt: new Uint8Array(row.salt),
  createdAt: timeText(row.created_at),
});
