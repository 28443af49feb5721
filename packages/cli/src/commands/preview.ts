import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { Rejection, RowVerdicts, runContextOf, type LookEvent, type Plan, type RunContext } from "@tagwire/engine";
import { errorLine, InputError } from "../exit.js";
import { json, positiveInteger, runId, setting, sourceFlags, targetFlags } from "../flags.js";
import { planRejected } from "../output/diagnostics.js";
import { planWarningsSection } from "../output/diagnostic-lines.js";
import { printErrorLines, printJson } from "../output/print.js";
import { placeholderSettings, settingsFor } from "../settings.js";
import { planLook } from "../target.js";

const limit = positiveInteger("limit", "How many rows to show. Default: 10.").pipe(Options.withDefault(10));

type PreviewItem =
  | { row: number; record: unknown; warnings?: Array<{ reason: string; detail: string }> }
  | { row: number; rejected: { reason: string; detail: string }; warnings?: Array<{ reason: string; detail: string }> };

/**
 * The first rows' records exactly as `send` would build them (batching aside), or why each would be
 * rejected: the engine's row verdicts, so a record over the API's size limit is refused here too,
 * and one id sequence runs over the rows shown, as over a send's (identical rows get distinct ids).
 */
async function previewRows(p: Plan, rows: AsyncIterable<LookEvent>, run: RunContext, settings: Readonly<Record<string, string | undefined>>, max: number): Promise<PreviewItem[]> {
  const items: PreviewItem[] = [];
  // Request bodies are sized as `validate --rows` sizes them, with the settings given where there are some.
  const sizing: Record<string, string | undefined> = { ...placeholderSettings(p.connector) };
  for (const [name, value] of Object.entries(settings)) if (value !== undefined && value !== "") sizing[name] = value;
  const verdicts = new RowVerdicts(p, run, sizing);
  for await (const event of rows) {
    if (event.kind !== "rows") continue;
    let skips = 0;
    for (const [i, row] of event.rows.entries()) {
      const n = items.length + 1;
      // A row over TAGWIRE_MAX_ROW_BYTES was not read: it is rejected in its place, as a send rejects it.
      const skipped = event.skipped?.[skips];
      if (skipped?.index === i) {
        skips++;
        items.push({ row: n, rejected: { reason: skipped.reason, detail: skipped.detail } });
        if (items.length >= max) return items;
        continue;
      }
      const { result, warnings } = verdicts.of(row, n);
      const left = warnings.length > 0 ? { warnings: warnings.map((w) => ({ reason: w.reason, detail: w.detail })) } : {};
      if (result instanceof Rejection) {
        items.push({ row: n, rejected: { reason: result.reason, detail: result.detail }, ...left });
      } else {
        items.push({ row: n, record: result, ...left });
      }
      // Leaving the loop closes the source: a preview of a huge Look reads only what it shows.
      if (items.length >= max) return items;
    }
  }
  return items;
}

export const preview = Command.make("preview", { ...targetFlags, ...sourceFlags, setting, limit, runId, json }, (flags) =>
  Effect.gen(function* () {
    const { connector, input, opened, p } = yield* planLook(flags);
    if (!p.ok) return yield* planRejected(p.diagnostics, connector.manifest.label, flags.json);
    // On stderr, as the plan's errors are: stdout stays the records' JSON. With --json the warnings are `validate --json`'s.
    const warnings = flags.json ? [] : planWarningsSection(p.diagnostics);
    if (warnings.length > 0) yield* printErrorLines(warnings.slice(1));
    // The settings name the workspace record ids are derived from: given as to `send`, the ids are send's.
    const settings = settingsFor(connector, flags.setting, process.env);
    const run = runContextOf(p, settings, Option.getOrElse(flags.runId, () => "preview"), opened.header.ranAt);
    const items = yield* Effect.tryPromise({
      try: () => previewRows(p, opened.rows, run, settings, flags.limit),
      catch: (e) => new InputError({ message: `${input.name}: ${errorLine(e)}`, code: "source" }),
    });
    yield* printJson(items);
  }),
).pipe(
  Command.withDescription(
    "Print, as a JSON array, the exact records the first rows would be sent as ({row, record}), or why a row would be rejected ({row, rejected: {reason, detail}}): the same verdict `send` and `validate --rows` reach, size limit included. Nothing is sent. Exit 1 (with the plan's errors on stderr) when the Look cannot be sent; the plan's warnings go to stderr too. The output is always JSON; --json makes errors JSON too.",
  ),
);
