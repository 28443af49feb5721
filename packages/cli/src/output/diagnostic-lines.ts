import type { Diagnostic } from "@tagwire/engine/planning";
import { plural } from "./table.js";

const HEADINGS = { error: "Errors", warning: "Warnings", info: "Notes" } as const;

/** One finding: where (column), which rule, what is wrong, then how to fix it. */
export function diagnosticLines(d: Diagnostic): string[] {
  const where = d.column !== undefined ? `${d.column}: ` : "";
  const lines = [`  ${where}${d.message} [${d.rule}]`];
  if (d.hint !== undefined) lines.push(`    fix: ${d.hint}`);
  return lines;
}

/** Errors, then warnings, then notes, each under a heading with its count; nothing when there are none. */
export function diagnosticsSection(diagnostics: ReadonlyArray<Diagnostic>): string[] {
  const lines: string[] = [];
  for (const severity of ["error", "warning", "info"] as const) {
    const list = diagnostics.filter((d) => d.severity === severity);
    if (list.length === 0) continue;
    lines.push("", `${HEADINGS[severity]} (${list.length})`);
    for (const d of list) lines.push(...diagnosticLines(d));
  }
  return lines;
}

/** The closing line of a plan check. */
export function verdict(diagnostics: ReadonlyArray<Diagnostic>, label: string): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const tail = warnings > 0 ? ` (${plural(warnings, "warning")})` : "";
  return errors === 0 ? `valid: the Look can be sent to ${label}${tail}` : `invalid: ${plural(errors, "error")}${tail}; nothing can be sent to ${label} until they are fixed`;
}
