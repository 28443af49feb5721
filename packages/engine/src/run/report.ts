import type { Diagnostic } from "../plan/types.js";
import type { StopReason } from "./run-stop.js";
import type { SyncReport } from "../sync/sync-run.js";
import { groupDigits } from "../group-digits.js";

/** Rows that share a reason, with a few of them as examples. */
export interface ReasonGroup {
  readonly reason: string;
  readonly count: number;
  readonly examples: ReadonlyArray<{ readonly row: number; readonly detail: string }>;
  /** Rows the destination's answer named as refused (they were sent), not rows rejected before sending. */
  readonly byDestination?: true;
}

/** Records that could not be delivered, grouped by their last answer. */
export interface FailureGroup {
  readonly reason: string;
  readonly status?: number;
  readonly count: number;
  /** Whether any of these records' requests was retried before it failed. */
  readonly retried: boolean;
  /** Row numbers as ranges: `1-100, 201-250`. */
  readonly rows: string;
}

export interface RunReport {
  readonly connector: string;
  readonly label: string;
  readonly action?: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly dryRun: boolean;
  readonly rows: { readonly read: number; readonly delivered: number; readonly rejected: number; readonly failed: number };
  readonly rejected: ReadonlyArray<ReasonGroup>;
  readonly failed: ReadonlyArray<FailureGroup>;
  /** Values left out and downstream tools some records will not reach; the records were still sent. */
  readonly warnings: ReadonlyArray<ReasonGroup>;
  readonly requests: {
    readonly sent: number;
    readonly retries: number;
    readonly byStatus: Readonly<Record<string, number>>;
    readonly latencyMs: { readonly p50: number; readonly p99: number };
    /** Wall-clock time some request waited for the rate limit or a 429's `Retry-After`; 0 when never held. */
    readonly pacedMs: number;
  };
  /**
   * How long reading the Look took: from the run's start until its last byte was read (for a
   * download, until the download ended, which the spool reads ahead of the run). Absent when the
   * Look was not read to its end.
   */
  readonly readMs?: number;
  /** How long sending took: from the first request until the last answer. Absent when nothing was sent. */
  readonly sendMs?: number;
  /** The Look was downloaded as the run went (Looker's download_url, the Looker API): the summary says how long reading and sending each took. */
  readonly downloaded?: boolean;
  /** The Look could not be read to its end; rows after that point never entered the run. */
  readonly sourceError?: string;
  /**
   * The run was stopped (`by`: a shutdown, a person interrupting it, or the loss of its hold on its
   * sync, which `detail` explains). Rows read and not delivered are failed; rows after the last one
   * read were not read (unless `lookReadToEnd`).
   */
  readonly stopped?: { readonly by: StopReason; readonly lookReadToEnd: boolean; readonly detail?: string };
  readonly diagnostics: ReadonlyArray<Diagnostic>;
  /**
   * In a sync: rows new, changed and unchanged against the state the last runs left, and the rows
   * that left the Look. Unchanged rows not sent are neither delivered, rejected nor failed.
   */
  readonly sync?: SyncReport;
  /** Why the run was not a sync though one was asked for (no store, a mode without syncs, ...). */
  readonly syncSkipped?: string;
  /** The state store failed to keep this run's history; the run itself went on. */
  readonly historyError?: string;
  /** Every row that had to be sent was delivered and the whole Look was read. */
  readonly success: boolean;
}

const EXAMPLES = 5;

class Groups {
  private readonly map = new Map<string, { count: number; examples: Array<{ row: number; detail: string }>; byDestination?: true }>();
  add(reason: string, row: number, detail: string, byDestination = false): void {
    let g = this.map.get(reason);
    if (g === undefined) {
      g = { count: 0, examples: [], ...(byDestination ? { byDestination: true as const } : {}) };
      this.map.set(reason, g);
    }
    g.count++;
    if (g.examples.length < EXAMPLES) g.examples.push({ row, detail });
  }
  list(): ReasonGroup[] {
    return [...this.map].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.count - a.count);
  }
}

/** When a run started, on the wall clock (for `startedAt`) and on the monotonic one (for its durations). */
export interface RunClock {
  readonly epochMs: number;
  readonly monotonicMs: number;
}

export const runClockNow = (): RunClock => ({ epochMs: Date.now(), monotonicMs: performance.now() });

/** Accumulates a run's figures; `delivered + rejected + failed = read` holds once every batch is settled. */
export class ReportBuilder {
  private read = 0;
  private delivered = 0;
  private failedCount = 0;
  private rejectedCount = 0;
  private sent = 0;
  private retries = 0;
  private sourceError: string | undefined;
  private stop: RunReport["stopped"];
  private syncReport: SyncReport | undefined;
  /** Rows a sync did not send (unchanged): `delivered + rejected + failed + notSent = read`. */
  private notSent = 0;
  private syncSkipped: string | undefined;
  private historyError: string | undefined;
  private readonly byStatus: Record<string, number> = {};
  private readonly latencies: number[] = [];
  private readonly rejections = new Groups();
  private readonly warnings = new Groups();
  private readonly failures = new Map<string, { status?: number; count: number; retried: boolean; ranges: Array<[number, number]> }>();
  /** Monotonic ms: when the first request went out, and when the last answer came. */
  private firstSent: number | undefined;
  private lastAnswered: number | undefined;
  private readMs: number | undefined;
  private downloaded = false;

  constructor(
    private readonly meta: { connector: string; label: string; action?: string; runId: string; dryRun: boolean; diagnostics: ReadonlyArray<Diagnostic> },
    private readonly clock: RunClock = runClockNow(),
  ) {}

  rowsRead(count: number): void {
    this.read += count;
  }
  /** `byDestination`: the destination's answer named the row as refused (it was sent). */
  reject(row: number, reason: string, detail: string, byDestination = false): void {
    this.rejectedCount++;
    this.rejections.add(reason, row, detail, byDestination);
  }
  warn(row: number, reason: string, detail: string): void {
    this.warnings.add(reason, row, detail);
  }
  batchDelivered(count: number): void {
    this.delivered += count;
  }
  /** `retried`: the request was tried again before it was given up. */
  batchFailed(rows: ReadonlyArray<number>, reason: string, status?: number, retried = false): void {
    this.failedCount += rows.length;
    const key = `${status ?? "-"}|${reason}`;
    let f = this.failures.get(key);
    if (f === undefined) {
      f = { ...(status !== undefined ? { status } : {}), count: 0, retried: false, ranges: [] };
      this.failures.set(key, f);
    }
    f.count += rows.length;
    f.retried ||= retried;
    addRanges(f.ranges, rows);
  }
  attempt(status: number | undefined, latencyMs: number): void {
    const now = performance.now();
    this.firstSent = Math.min(this.firstSent ?? Infinity, now - latencyMs);
    this.lastAnswered = now;
    this.sent++;
    const key = status === undefined ? "network" : String(status);
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    this.latencies.push(latencyMs);
  }
  retry(): void {
    this.retries++;
  }
  /** The Look's last byte was read at `at` (monotonic ms); `downloaded`: it came from a download as the run went. */
  readEnded(at: number | undefined, downloaded: boolean): void {
    this.downloaded = downloaded;
    if (at !== undefined) this.readMs = Math.max(0, at - this.clock.monotonicMs);
  }
  sourceFailed(message: string): void {
    this.sourceError = message;
  }
  stopped(by: StopReason, lookReadToEnd: boolean, detail?: string): void {
    this.stop = { by, lookReadToEnd, ...(detail !== undefined ? { detail } : {}) };
  }
  /** The sync's figures, and how many rows it left unsent (unchanged). */
  sync(report: SyncReport, notSent: number): void {
    this.syncReport = report;
    this.notSent = notSent;
  }
  notSynced(reason: string): void {
    this.syncSkipped = reason;
  }
  historyFailed(reason: string): void {
    this.historyError ??= reason;
  }
  get progress() {
    return { read: this.read, delivered: this.delivered, rejected: this.rejectedCount, failed: this.failedCount, requests: this.sent, retries: this.retries };
  }

  /** `pacedMs`: the run pacer's wait, which the builder does not see itself. */
  finish(pacedMs = 0): RunReport {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pct = (p: number) => (sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!));
    const failed = [...this.failures].map(([key, f]) => ({
      reason: key.slice(key.indexOf("|") + 1),
      ...(f.status !== undefined ? { status: f.status } : {}),
      count: f.count,
      retried: f.retried,
      rows: formatRanges(f.ranges),
    }));
    return {
      connector: this.meta.connector,
      label: this.meta.label,
      ...(this.meta.action !== undefined ? { action: this.meta.action } : {}),
      runId: this.meta.runId,
      startedAt: new Date(this.clock.epochMs).toISOString(),
      durationMs: Math.round(performance.now() - this.clock.monotonicMs),
      dryRun: this.meta.dryRun,
      rows: { read: this.read, delivered: this.delivered, rejected: this.rejectedCount, failed: this.failedCount },
      rejected: this.rejections.list(),
      failed,
      warnings: this.warnings.list(),
      requests: { sent: this.sent, retries: this.retries, byStatus: { ...this.byStatus }, latencyMs: { p50: pct(50), p99: pct(99) }, pacedMs: Math.round(pacedMs) },
      ...(this.readMs !== undefined ? { readMs: Math.round(this.readMs) } : {}),
      ...(this.firstSent !== undefined && this.lastAnswered !== undefined ? { sendMs: Math.round(this.lastAnswered - this.firstSent) } : {}),
      ...(this.downloaded ? { downloaded: true } : {}),
      ...(this.sourceError !== undefined ? { sourceError: this.sourceError } : {}),
      ...(this.stop !== undefined ? { stopped: this.stop } : {}),
      diagnostics: this.meta.diagnostics,
      ...(this.syncReport !== undefined ? { sync: this.syncReport } : {}),
      ...(this.syncSkipped !== undefined ? { syncSkipped: this.syncSkipped } : {}),
      ...(this.historyError !== undefined ? { historyError: this.historyError } : {}),
      success: this.sourceError === undefined && this.stop?.lookReadToEnd !== false && this.read > 0 && this.delivered === this.read - this.notSent && (this.syncReport?.notCleared ?? 0) === 0,
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

function addRanges(ranges: Array<[number, number]>, rows: ReadonlyArray<number>): void {
  for (const r of rows) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && r === last[1] + 1) last[1] = r;
    else ranges.push([r, r]);
  }
}

function formatRanges(ranges: Array<[number, number]>): string {
  const merged = [...ranges].sort((a, b) => a[0] - b[0]).reduce<Array<[number, number]>>((acc, r) => {
    const last = acc[acc.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else acc.push([r[0], r[1]]);
    return acc;
  }, []);
  return merged.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(", ");
}

/** "failed after retries" only where a retry happened: a refusal that is not retried just failed. */
function describeFailed(count: number, groups: ReadonlyArray<FailureGroup>): string {
  const allRetried = groups.every((g) => g.retried);
  const shown = groups.slice(0, 3).map((g) => `${g.reason}${g.retried && !allRetried ? " (after retries)" : ""}: rows ${g.rows}`);
  return `${groupDigits(count)} failed${allRetried ? " after retries" : ""} (${shown.join("; ")}${groups.length > 3 ? "; …" : ""})`;
}

/** First in the summary, so a stopped run is never read as a finished one. */
function describeStop(r: RunReport): string {
  const { by: reason, detail } = r.stopped!;
  const by =
    reason === "shutdown" ? "the run was stopped by a shutdown"
    : reason === "interrupted" ? "the run was interrupted"
    : `the run stopped itself on losing its hold on the sync (${detail ?? "no reason given"})`;
  return r.stopped!.lookReadToEnd ? by : `${by} before the Look was read to its end (rows after row ${groupDigits(r.rows.read)} were not read)`;
}

/** A sync's figures by kind of row (new, changed, unchanged, removed), as the run report and `validate --sync` give them. */
export function describeSync(s: SyncReport, dryRun: boolean): string {
  const n = groupDigits;
  const unchanged = s.rows === "changed" ? `${n(s.unchanged)} unchanged (${dryRun ? "would not be sent" : "not sent"})` : `${n(s.unchanged)} unchanged (sent: all rows asked for)`;
  const parts = [`${n(s.new)} new`, `${n(s.changed)} changed`, unchanged];
  if (!s.removalsInferred) parts.push("removed rows not looked for (not every row of the Look was read)");
  else if (s.removedRows === "clear") {
    const not = s.notCleared > 0 ? `, ${n(s.notCleared)} ${dryRun ? "would not be" : "not"}: ${(s.clearProblems ?? []).join("; ")}` : "";
    parts.push(`${n(s.removed)} removed (${n(s.cleared)} ${dryRun ? "would be cleared" : "cleared"}${not})`);
  } else parts.push(`${n(s.removed)} removed (ignored${s.clearProblems !== undefined ? `: ${s.clearProblems.join("; ")}` : ""})`);
  if (s.duplicateKeys > 0) parts.push(`${n(s.duplicateKeys)} ${s.duplicateKeys === 1 ? "row repeats the key" : "rows repeat the key"} of an earlier row`);
  return parts.join(", ");
}

/** One paragraph with the figures, for Looker's response message and logs. */
export function summarize(r: RunReport): string {
  const n = groupDigits;
  const verb = r.dryRun ? "would be delivered" : "delivered";
  const toSend = r.rows.read - (r.sync !== undefined && r.sync.rows === "changed" ? r.sync.unchanged : 0);
  const parts = [`${r.label}: ${r.stopped !== undefined ? `${describeStop(r)}; ` : ""}${r.sync !== undefined ? `sync: ${describeSync(r.sync, r.dryRun)}; ` : ""}${n(r.rows.delivered)} of ${n(toSend)} rows ${r.sync !== undefined ? "to send " : ""}${verb}`];
  if (r.rows.rejected > 0) parts.push(`${n(r.rows.rejected)} rejected (${r.rejected.slice(0, 3).map((g) => `${g.reason}: ${n(g.count)}`).join("; ")}${r.rejected.length > 3 ? "; …" : ""})`);
  if (r.rows.failed > 0) parts.push(describeFailed(r.rows.failed, r.failed));
  if (r.sourceError !== undefined) parts.push(`the Look could not be read to the end: ${r.sourceError}`);
  if (r.syncSkipped !== undefined) parts.push(`every row was sent: ${r.syncSkipped}`);
  if (r.sync?.storeError !== undefined) parts.push(`the sync's state could not be saved (${r.sync.storeError}): the next run sends those rows again`);
  const count = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  // A downloaded Look says how long the download and the sending each took: Looker holds the
  // download open only for the first. Waits under 0.1 s would print as 0.0 s: only a wait that slowed the run is told.
  const notes = [
    ...(r.downloaded === true && r.readMs !== undefined ? [`read in ${seconds(r.readMs)}`] : []),
    ...(r.downloaded === true && r.sendMs !== undefined ? [`sent in ${seconds(r.sendMs)}`] : []),
    ...(r.requests.pacedMs >= 100 ? [`${seconds(r.requests.pacedMs)} of it paced by the rate limit or a Retry-After`] : []),
  ];
  const tail = `${count(r.requests.sent, "request", "requests")}, ${count(r.requests.retries, "retry", "retries")}, ${seconds(r.durationMs)}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}.`;
  return `${parts.join("; ")}. ${tail}`;
}
