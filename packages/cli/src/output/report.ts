import { summarize, type RunReport } from "@tagwire/engine";
import { planWarningsSection } from "./diagnostic-lines.js";
import { reasonGroupLines } from "./reason-groups.js";
import { count } from "./table.js";

/** The end of `send`: the engine's one-paragraph summary, then what went wrong, grouped. */
export function runReportLines(report: RunReport): string[] {
  const lines = [summarize(report)];
  // Right after the figures: a warning often explains a column missing from every record.
  lines.push(...planWarningsSection(report.diagnostics));
  lines.push(...reasonGroupLines("Rejected rows (not sent)", report.rejected.filter((g) => g.byDestination !== true)));
  // These rows were sent: the destination's answer named them as refused.
  lines.push(...reasonGroupLines(`Refused by ${report.label} (sent, not accepted)`, report.rejected.filter((g) => g.byDestination === true)));
  if (report.failed.length > 0) {
    // The reason already names the status; "after retries" only where a retry happened.
    lines.push("", "Failed deliveries");
    for (const f of report.failed) lines.push(`  ${count(f.count)} × ${f.reason}${f.retried ? " (after retries)" : ""}`, `      rows ${f.rows}`);
  }
  lines.push(...reasonGroupLines("Warnings (records sent)", report.warnings));
  // Sent again with the same run id, the rows that did go out carry the same ids and are dropped as duplicates.
  if (report.stopped !== undefined || report.rows.failed > 0) lines.push("", `Run id: ${report.runId} (send again with --run-id ${report.runId}: records keep their ids, so the destination can drop those it already has)`);
  return lines;
}
