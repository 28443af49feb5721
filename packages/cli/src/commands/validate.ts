import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import { engineLayer, runLook, type Connector } from "@tagwire/engine";
import { errorLine, InputError, NotValid } from "../exit.js";
import { optionsOf } from "../flags.js";
import { placeholderSettings } from "../settings.js";
import type { TargetFlags } from "../shared-flags.js";
import type { OpenedLook } from "../sources/index.js";
import { planLook, planOptions } from "../target.js";
import { reportValidation, validateFlags, type RowCheck } from "./validation-report.js";

function checkRows(connector: Connector, opened: OpenedLook, flags: TargetFlags, hiddenFields: ReadonlyArray<string>, name: string): Effect.Effect<RowCheck, InputError> {
  return runLook({
    connector,
    look: opened,
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

export const validate = Command.make("validate", optionsOf(validateFlags), (flags) =>
  Effect.gen(function* () {
    // Without --rows no record is checked, so the wire schemas are not compiled (see LoadOptions).
    const planned = yield* planLook(flags, { recordSchemas: flags.rows ? "at-load" : "first-use" });
    const { connector, input, opened, p } = planned;
    const checked = flags.rows && p.ok ? yield* checkRows(connector, opened, flags, input.hiddenFields, input.name) : undefined;
    if (!reportValidation(flags, planned, checked)) return yield* Effect.fail(new NotValid());
  }),
).pipe(
  Command.withDescription(
    "Check a Look against a destination before anything is sent: what each column maps to or why it is ignored, whether each requirement is met, and errors and warnings that name the column and the rule with how to fix them. Exit 0 valid, 1 invalid, 2 usage or input error.",
  ),
);
