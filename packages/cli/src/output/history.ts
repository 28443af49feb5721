// Run history and syncs as `tagwire runs` and `tagwire syncs` print them.
import type { RunFigures, RunRecord, SyncSummary } from "@tagwire/engine";
import { count, plural, table } from "./table.js";

/** running (no end recorded), ok (every row that had to be sent arrived), busy (the sync was running elsewhere: nothing sent), or incomplete. */
export const runStatus = (run: RunRecord): string =>
  run.finishedAt === undefined ? "running" : run.success === true ? "ok" : run.figures?.busy !== undefined ? "busy" : "incomplete";

/** `2026-01-02 03:04:05Z`: to the second, in UTC. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;

const figure = (n: number | undefined): string => (n === undefined ? "-" : count(n));

export function runListLines(runs: ReadonlyArray<RunRecord>, where: string): string[] {
  if (runs.length === 0) return [`No runs in ${where}.`];
  const rows = runs.map((r) => [
    r.runId,
    r.syncId ?? "-",
    r.connector,
    when(r.startedAt),
    runStatus(r),
    figure(r.figures?.read),
    figure(r.figures?.delivered),
    figure(r.figures?.rejected),
    figure(r.figures?.failed),
    r.source,
  ]);
  return table(["RUN", "SYNC", "CONNECTOR", "STARTED", "STATUS", "READ", "DELIVERED", "REJECTED", "FAILED", "SOURCE"], rows, "");
}

/** The figures a sync adds, when the run had them, worded as the run's report words them. */
function syncFigures(f: RunFigures): string[] {
  const figure = (n: number | undefined, label: string): string[] => (n === undefined ? [] : [`${count(n)} ${label}`]);
  return [
    ...figure(f.new, "new"),
    ...figure(f.changed, "changed"),
    ...figure(f.unchanged, f.rows === "all" ? "unchanged (sent: all rows asked for)" : "unchanged (not sent)"),
    ...(f.removalsInferred === false ? ["removed rows not looked for (not every row of the Look was read)"] : figure(f.removed, "removed")),
    ...figure(f.cleared, "cleared"),
    ...figure(f.notCleared, "not cleared"),
    ...figure(f.duplicateKeys, "duplicate keys"),
  ];
}

/** How long reading the Look and sending took, as the run's report words them; absent for runs recorded without them. */
function timing(run: RunRecord): Array<[string, string]> {
  const parts = [...(run.readMs !== undefined ? [`read in ${(run.readMs / 1000).toFixed(1)} s`] : []), ...(run.sendMs !== undefined ? [`sent in ${(run.sendMs / 1000).toFixed(1)} s`] : [])];
  return parts.length > 0 ? [["Timing", parts.join(", ")]] : [];
}

export function runLines(run: RunRecord): string[] {
  const seconds = run.finishedAt !== undefined ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : undefined;
  const fields: Array<[string, string]> = [
    ["Run", run.runId],
    ["Sync", run.syncId ?? "- (not a sync: every row was sent)"],
    ["Connector", run.action !== undefined ? `${run.connector} (action ${run.action})` : run.connector],
    ["Source", run.source],
    ...(run.webhookId !== undefined ? [["Looker webhook", run.webhookId] as [string, string]] : []),
    ["Started", when(run.startedAt)],
    ["Finished", run.finishedAt !== undefined ? `${when(run.finishedAt)} (${seconds!.toFixed(1)} s)` : "- (running, or stopped before its end was recorded)"],
    ...timing(run),
    ["Status", runStatus(run)],
  ];
  const lines = table(undefined, fields.map(([k, v]) => [`${k}:`, v]), "");
  const f = run.figures;
  if (f !== undefined) {
    lines.push("", `Rows: ${count(f.read)} read, ${count(f.delivered)} delivered, ${count(f.rejected)} rejected, ${count(f.failed)} failed`);
    const kinds = syncFigures(f);
    if (kinds.length > 0) lines.push(`Sync: ${kinds.join(", ")}`);
    if (f.busy !== undefined) lines.push(`Sync: running elsewhere; this execute waited ${(f.busy.waitedMs / 1000).toFixed(1)} s for it and sent nothing`);
  }
  if (run.rejected !== undefined && run.rejected.length > 0) {
    lines.push("", "Rejected rows");
    for (const g of run.rejected) {
      lines.push(`  ${count(g.count)} × ${g.reason}`);
      for (const e of g.examples) lines.push(`      row ${e.row}: ${e.detail}`);
    }
  }
  if (run.failed !== undefined && run.failed.length > 0) {
    lines.push("", "Failed deliveries");
    for (const g of run.failed) lines.push(`  ${count(g.count)} × ${g.reason}${g.status !== undefined ? ` (last status ${g.status})` : ""}`, `      rows ${g.rows}`);
  }
  return lines;
}

export function syncListLines(syncs: ReadonlyArray<SyncSummary>, where: string): string[] {
  if (syncs.length === 0) return [`No syncs in ${where}.`];
  const rows = syncs.map((s) => [
    s.sync.id,
    s.sync.connector,
    s.sync.identity.action,
    s.sync.identity.plan,
    s.sync.identity.instance,
    count(s.rows),
    s.lastRun !== undefined ? `${when(s.lastRun.startedAt)} ${runStatus(s.lastRun)}` : "-",
  ]);
  return table(["SYNC", "CONNECTOR", "ACTION", "PLAN", "INSTANCE", "ROWS", "LAST RUN"], rows, "");
}

export const resetLine = (syncId: string, rows: number): string =>
  `Sync ${syncId}: forgot ${plural(rows, "row")} of state; its next run sends every row.`;
