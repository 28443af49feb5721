import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import { engineLayer, runLook, type Connector, type Plan, type ReasonGroup } from "@tagwire/engine";
import { errorLine, InputError, NotValid } from "../exit.js";
import { json, sourceFlags, targetFlags, type TargetFlags } from "../flags.js";
import { diagnosticsSection, verdict } from "../output/diagnostics.js";
import { printJson, printLines } from "../output/print.js";
import { reasonGroupLines } from "../output/report.js";
import { count, plural, table } from "../output/table.js";
import { placeholderSettings } from "../settings.js";
import type { OpenedLook } from "../sources/index.js";
import { planLook, planOptions } from "../target.js";

const rows = Options.boolean("rows").pipe(
  Options.withDescription("Also read every row and report how many would be rejected, grouped by reason with examples (nothing is sent)."),
);

/** What the rows of a Look would give, from a dry run. */
export interface RowCheck {
  readonly read: number;
  readonly wouldSend: number;
  readonly rejected: number;
  readonly reasons: ReadonlyArray<ReasonGroup>;
  readonly warnings: ReadonlyArray<ReasonGroup>;
}

/** Each requirement the plan checks (the connector's, then the downstreams'), met or not by the Look's columns. */
export function requirementsOf(p: Plan): Array<{ rule: string; description: string; met: boolean }> {
  return p.requirements.map((r) => ({ rule: r.rule, description: r.downstream === undefined ? r.description : `${r.description} for ${r.downstream}`, met: r.met }));
}

function checkRows(connector: Connector, opened: OpenedLook, flags: TargetFlags, hiddenFields: ReadonlyArray<string>, name: string): Effect.Effect<RowCheck, InputError> {
  return runLook({
    connector,
    look: opened.look,
    // A dry run sends nothing, so the settings are never used; they only have to pass the checks.
    settings: placeholderSettings(connector),
    ...planOptions(flags),
    hiddenFields,
    runId: "validate",
    dryRun: true,
  }).pipe(
    Effect.provide(engineLayer()),
    Effect.mapError((e) => new InputError({ message: `${name}: ${errorLine(e)}`, code: "source" })),
    Effect.flatMap((report) =>
      report.sourceError !== undefined
        ? Effect.fail(new InputError({ message: `${name}: ${report.sourceError}`, code: "source" }))
        : Effect.succeed({ read: report.rows.read, wouldSend: report.rows.delivered, rejected: report.rows.rejected, reasons: report.rejected, warnings: report.warnings }),
    ),
  );
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
      p.columns.map((c) => [c.column, c.tags.length > 0 ? c.tags.join(", ") : "-", c.status === "mapped" ? `-> ${c.target}${c.pivoted ? " (pivoted: a list)" : ""}` : `ignored: ${c.reason}`]),
    ),
  );

  const requirements = requirementsOf(p);
  if (requirements.length > 0) {
    lines.push("", "Requirements");
    lines.push(...table(undefined, requirements.map((r) => [r.met ? "met" : "NOT MET", r.rule, r.description])));
  }
  lines.push(...diagnosticsSection(p.diagnostics));

  if (checked !== undefined) {
    lines.push("", `Rows: ${plural(checked.read, "row")} read, ${count(checked.wouldSend)} would be sent, ${count(checked.rejected)} would be rejected`);
    lines.push(...reasonGroupLines("Rejected rows", checked.reasons).slice(1));
    lines.push(...reasonGroupLines("Warnings (records still sent)", checked.warnings));
  } else if (rowsAsked) {
    lines.push("", "Rows: not checked, as the Look cannot be sent until the errors above are fixed");
  }
  lines.push("", checked !== undefined && checked.rejected > 0 && p.ok ? `invalid: ${count(checked.rejected)} of ${plural(checked.read, "row")} would be rejected` : verdict(p.diagnostics, label));
  return lines;
}

export const validate = Command.make("validate", { ...targetFlags, ...sourceFlags, rows, json }, (flags) =>
  Effect.gen(function* () {
    const { connector, input, opened, p } = yield* planLook(flags);
    const checked = flags.rows && p.ok ? yield* checkRows(connector, opened, flags, input.hiddenFields, input.name) : undefined;
    const valid = p.ok && (checked === undefined || checked.rejected === 0);

    if (flags.json) {
      yield* printJson({
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
      yield* printLines(humanReport(input.name, p, checked, flags.rows));
    }
    if (!valid) return yield* Effect.fail(new NotValid());
  }),
).pipe(
  Command.withDescription(
    "Check a Look against a destination before anything is sent: what each column maps to or why it is ignored, whether each requirement is met, and errors and warnings that name the column and the rule with how to fix them. Exit 0 valid, 1 invalid, 2 usage or input error.",
  ),
);
