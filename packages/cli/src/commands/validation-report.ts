// What `tagwire validate` prints, as plain calls: the command (validate.ts) runs them as effects, with
// the dry run of --rows; quick.ts, without effect's runtime, when the rows are not asked for.
import * as Option from "effect/Option";
import { describeSync, type Connector, type Plan, type ReasonGroup, type SyncReport } from "@tagwire/engine/planning";
import { booleanFlag, optionalText, type ValuesOf } from "../flag-spec.js";
import { diagnosticsSection, verdict } from "../output/diagnostic-lines.js";
import { reasonGroupLines } from "../output/reason-groups.js";
import { count, plural, table } from "../output/table.js";
import { writeJson, writeLines } from "../output/write.js";
import type { PlannedLook } from "../planned-look.js";
import { json, removed, setting, sourceFlags, targetFlags } from "../shared-flags.js";

const rows = booleanFlag("rows", "Also read every row and report how many would be rejected, grouped by reason with examples (nothing is sent).");

const sync = optionalText("sync", {
  pseudoName: "name",
  description:
    "Count the rows `send --sync NAME` would send, by kind (new, changed, unchanged, removed), against the sync's state in the store of TAGWIRE_DATABASE_URL; reads every row as --rows does, sends nothing and changes no state. Needs the settings a send needs (--setting or the environment): they name the destination workspace, part of the sync's identity.",
});

export const validateFlags = { ...targetFlags, ...sourceFlags, rows, sync, removed, setting, json };

export type ValidateFlags = ValuesOf<typeof validateFlags>;

/** Whether the rows are read: --sync reads them too, as the kinds of rows are only known from them. */
export function rowsAsked(flags: Pick<ValidateFlags, "rows" | "sync">): boolean {
  return flags.rows || Option.isSome(flags.sync);
}

/**
 * Whether the command needs the engine's run (the full CLI): to read the rows, or to refuse sync
 * flags given without --sync as `send` does.
 */
export function needsRun(flags: Pick<ValidateFlags, "rows" | "sync" | "removed" | "setting">): boolean {
  return rowsAsked(flags) || Option.isSome(flags.removed) || flags.setting.length > 0;
}

/** What the rows of a Look would give, from a dry run. */
export interface RowCheck {
  readonly read: number;
  readonly wouldSend: number;
  readonly rejected: number;
  readonly reasons: ReadonlyArray<ReasonGroup>;
  readonly warnings: ReadonlyArray<ReasonGroup>;
  /** With --sync: the rows by kind against the sync's state (`wouldSend` then counts the new and changed rows only). */
  readonly sync?: SyncReport;
}

/** Each requirement the plan checks (the connector's, then the downstreams'), met or not by the Look's columns. */
export function requirementsOf(p: Plan): Array<{ rule: string; description: string; met: boolean }> {
  return p.requirements.map((r) => ({ rule: r.rule, description: r.downstream === undefined ? r.description : `${r.description} for ${r.downstream}`, met: r.met }));
}

function humanReport(name: string, p: Plan, checked: RowCheck | undefined, rowsAsked: boolean): string[] {
  const label = p.connector.manifest.label;
  const lines = [`Look: ${name}  ->  ${label} (${p.connector.id}${p.action ? `, action ${p.action.name}` : ""})`];
  const options = Object.entries(p.options);
  if (options.length > 0) lines.push(`Options: ${options.map(([k, v]) => `${k}=${v}`).join(", ")}`);

  lines.push("", "Columns");
  lines.push(
    ...table(
      ["column", "tags", "result"],
      p.columns.map((c) => [c.column, c.tags.length > 0 ? c.tags.join(", ") : "-", c.status === "mapped" ? `-> ${c.target}${c.pivoted ? " (pivoted: one key per pivot value)" : ""}` : `ignored: ${c.reason}`]),
    ),
  );

  const requirements = requirementsOf(p);
  if (requirements.length > 0) {
    lines.push("", "Requirements");
    lines.push(
      ...table(
        undefined,
        requirements.map((r) => [r.met ? "met" : "NOT MET", r.rule, r.description]),
      ),
    );
  }
  lines.push(...diagnosticsSection(p.diagnostics));

  if (checked !== undefined) {
    lines.push("", `Rows: ${plural(checked.read, "row")} read, ${count(checked.wouldSend)} would be sent, ${count(checked.rejected)} would be rejected`);
    if (checked.sync !== undefined) lines.push(`Sync ${checked.sync.id}: ${describeSync(checked.sync, true)}`);
    lines.push(...reasonGroupLines("Rejected rows", checked.reasons).slice(1));
    lines.push(...reasonGroupLines("Warnings (records still sent)", checked.warnings));
  } else if (rowsAsked) {
    lines.push("", "Rows: not checked, as the Look cannot be sent until the errors above are fixed");
  }
  lines.push("", checked !== undefined && checked.rejected > 0 && p.ok ? `invalid: ${count(checked.rejected)} of ${plural(checked.read, "row")} would be rejected` : verdict(p.diagnostics, label));
  return lines;
}

/** Prints the plan (and the rows' check, if made) as text or JSON; whether the Look is valid. */
export function reportValidation(flags: ValidateFlags, { connector, input, p }: PlannedLook, checked: RowCheck | undefined): boolean {
  const valid = p.ok && (checked === undefined || checked.rejected === 0);
  if (flags.json) {
    writeJson({
      valid,
      connector: connector.id,
      ...(p.action ? { action: p.action.name } : {}),
      downstreams: flags.to.downstreams,
      options: p.options,
      columns: p.columns,
      requirements: requirementsOf(p),
      diagnostics: p.diagnostics,
      ...(checked !== undefined ? { rows: checked } : {}),
    });
  } else {
    writeLines(humanReport(input.name, p, checked, rowsAsked(flags)));
  }
  return valid;
}
