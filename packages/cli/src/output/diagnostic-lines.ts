import type { Diagnostic, Severity } from "@tagwire/engine/planning";
import { plural } from "./table.js";

const HEADINGS = { error: "Errors", warning: "Warnings", info: "Notes" } as const;

/** One finding: where (column), which rule, what is wrong, then how to fix it. */
export function diagnosticLines(d: Diagnostic): string[] {
  const where = d.column !== undefined ? `${d.column}: ` : "";
  const lines = [`  ${where}${d.message} [${d.rule}]`];
  if (d.hint !== undefined) lines.push(`    fix: ${d.hint}`);
  return lines;
}

/** The findings of one severity under `heading` with their count, after a blank line; nothing when there are none. */
function severitySection(diagnostics: ReadonlyArray<Diagnostic>, severity: Severity, heading: string): string[] {
  const list = diagnostics.filter((d) => d.severity === severity);
  if (list.length === 0) return [];
  return ["", `${heading} (${list.length})`, ...list.flatMap(diagnosticLines)];
}

/** Errors, then warnings, then notes, each under a heading with its count; nothing when there are none. */
export function diagnosticsSection(diagnostics: ReadonlyArray<Diagnostic>): string[] {
  return (["error", "warning", "info"] as const).flatMap((severity) => severitySection(diagnostics, severity, HEADINGS[severity]));
}

/**
 * The plan's warnings alone, as `validate` lists them, for the commands whose answer is not the plan
 * (send, preview): a warning often means a column left out, which must not go unseen. Notes stay
 * with `validate`.
 */
export function planWarningsSection(diagnostics: ReadonlyArray<Diagnostic>): string[] {
  return severitySection(diagnostics, "warning", "Plan warnings");
}

/** The closing line of a plan check. */
export function verdict(diagnostics: ReadonlyArray<Diagnostic>, label: string): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const tail = warnings > 0 ? ` (${plural(warnings, "warning")})` : "";
  return errors === 0 ? `valid: the Look can be sent to ${label}${tail}` : `invalid: ${plural(errors, "error")}${tail}; nothing can be sent to ${label} until they are fixed`;
}
