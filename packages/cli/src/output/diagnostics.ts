import * as Effect from "effect/Effect";
import type { Diagnostic } from "@tagwire/engine";
import { errorReport, NotValid } from "../exit.js";
import { diagnosticsSection, verdict } from "./diagnostic-lines.js";
import { printErrorLines, printJson } from "./print.js";

/**
 * A Look that cannot be sent, for the commands whose answer is not the plan (preview, send): the
 * diagnostics on stderr, or with --json the error object (code `plan`, with them) on stdout; exit 1.
 */
export function planRejected(diagnostics: ReadonlyArray<Diagnostic>, label: string, json: boolean): Effect.Effect<never, NotValid> {
  const closing = verdict(diagnostics, label);
  const shown = json ? printJson(errorReport("plan", closing, { diagnostics })) : printErrorLines([...diagnosticsSection(diagnostics).slice(1), "", closing]);
  return Effect.zipRight(shown, Effect.fail(new NotValid()));
}
