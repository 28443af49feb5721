import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { Rejection, RowVerdicts, runContextOf, type LookEvent, type Plan, type RunContext } from "@tagwire/engine";
import { errorLine, InputError } from "../exit.js";
import { json, positiveInteger, runId, setting, sourceFlags, targetFlags } from "../flags.js";
import { planRejected } from "../output/diagnostics.js";
import { printJson } from "../output/print.js";
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
    for (const row of event.rows) {
      const n = items.length + 1;
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
    "Print, as a JSON array, the exact records the first rows would be sent as ({row, record}), or why a row would be rejected ({row, rejected: {reason, detail}}): the same verdict `send` and `validate --rows` reach, size limit included. Nothing is sent. Exit 1 (with the plan's errors on stderr) when the Look cannot be sent. The output is always JSON; --json makes errors JSON too.",
  ),
);
