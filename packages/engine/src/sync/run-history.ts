// A run as the store's history keeps it: started when rows are about to flow, finished with the
// report's figures and groups and how long reading and sending took. History never holds a row's
// values: rejection examples carry the row number and the engine's detail, which names columns and
// rules, and failures their reason.

import { randomUUID } from "node:crypto";
import type { RunReport } from "../run/report.js";
import type { RunRecord } from "./store.js";

/** What history knows of a run before it has figures. */
export type RunStart = Pick<RunRecord, "runId" | "syncId" | "connector" | "action" | "source" | "webhookId" | "startedAt">;

export function startedRun(start: RunStart): RunRecord {
  return { ...start };
}

/**
 * An execute that sent nothing because its sync was running elsewhere past its wait: kept so history
 * shows every execute. Under an id of its own: the run it waited for may be a retry of the same
 * webhook, with the same run id, whose record this must not overwrite.
 */
export function busyRun(start: RunStart, waitedMs: number): RunRecord {
  return { ...start, runId: randomUUID(), finishedAt: new Date().toISOString(), figures: { read: 0, delivered: 0, rejected: 0, failed: 0, busy: { waitedMs } }, success: false };
}

export function finishedRun(start: RunStart, report: RunReport): RunRecord {
  const sync = report.sync;
  return {
    ...start,
    finishedAt: new Date().toISOString(),
    figures: {
      ...report.rows,
      ...(sync !== undefined
        ? {
            new: sync.new, changed: sync.changed, unchanged: sync.unchanged, removed: sync.removed, cleared: sync.cleared, duplicateKeys: sync.duplicateKeys,
            ...(sync.rows === "all" ? { rows: "all" as const } : {}),
            ...(!sync.removalsInferred ? { removalsInferred: false as const } : {}),
            ...(sync.notCleared > 0 ? { notCleared: sync.notCleared } : {}),
          }
        : {}),
    },
    rejected: report.rejected.map((g) => ({ reason: g.reason, count: g.count, examples: g.examples })),
    failed: report.failed.map((g) => ({ reason: g.reason, ...(g.status !== undefined ? { status: g.status } : {}), count: g.count, rows: g.rows })),
    ...(report.readMs !== undefined ? { readMs: report.readMs } : {}),
    ...(report.sendMs !== undefined ? { sendMs: report.sendMs } : {}),
    success: report.success,
  };
}
