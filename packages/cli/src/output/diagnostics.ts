import * as Effect from "effect/Effect";
import type { Diagnostic } from "@tagwire/engine";
import { errorReport, NotValid } from "../exit.js";
import { printErrorLines, printJson } from "./print.js";
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

/**
 * A Look that cannot be sent, for the commands whose answer is not the plan (preview, send): the
 * diagnostics on stderr, or with --json the error object (code `plan`, with them) on stdout; exit 1.
 */
export function planRejected(diagnostics: ReadonlyArray<Diagnostic>, label: string, json: boolean): Effect.Effect<never, NotValid> {
  const closing = verdict(diagnostics, label);
  const shown = json ? printJson(errorReport("plan", closing, { diagnostics })) : printErrorLines([...diagnosticsSection(diagnostics).slice(1), "", closing]);
  return Effect.zipRight(shown, Effect.fail(new NotValid()));
}

/** The closing line of a plan check. */
export function verdict(diagnostics: ReadonlyArray<Diagnostic>, label: string): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const tail = warnings > 0 ? ` (${plural(warnings, "warning")})` : "";
  return errors === 0 ? `valid: the Look can be sent to ${label}${tail}` : `invalid: ${plural(errors, "error")}${tail}; nothing can be sent to ${label} until they are fixed`;
}
