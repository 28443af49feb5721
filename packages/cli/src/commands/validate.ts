import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Option from "effect/Option";
import { engineLayer, runLook, type Connector, type SyncRequest } from "@tagwire/engine";
import { storeLayer } from "@tagwire/store";
import { errorLine, InputError, NotValid } from "../exit.js";
import { optionsOf } from "../flags.js";
import { checkAsSendWould, checkSettingNames } from "../send-checks.js";
import { placeholderSettings, settingsFor } from "../settings.js";
import type { OpenedLook } from "../sources/index.js";
import { storeProblem } from "../store-access.js";
import { syncNeedsStore, syncRequestOf } from "../sync-flags.js";
import { planLook, planOptions } from "../target.js";
import { reportValidation, rowsAsked, validateFlags, type RowCheck, type ValidateFlags } from "./validation-report.js";

/** The sync asked for; sync flags without --sync are refused, as `send` refuses them. */
function syncAsked(flags: ValidateFlags): Effect.Effect<SyncRequest | undefined, InputError> {
  return Effect.gen(function* () {
    const sync = yield* syncRequestOf({ sync: flags.sync, rows: Option.none(), removed: flags.removed });
    if (sync === undefined && flags.setting.length > 0) return yield* Effect.fail(new InputError({ code: "usage", message: "--setting applies to validate --sync: give --sync NAME too." }));
    yield* syncNeedsStore(sync, process.env);
    return sync;
  });
}

/**
 * The settings of the dry run a check of the rows makes. Without a sync any that pass the checks
 * do (nothing is sent). With one the run is `send --dry-run --sync`'s: the settings a send would
 * use, as they name the workspace, part of the sync's identity.
 */
function settingsOf(connector: Connector, flags: ValidateFlags, sync: SyncRequest | undefined): Effect.Effect<Record<string, string | undefined>, InputError> {
  if (sync === undefined) return Effect.succeed(placeholderSettings(connector));
  return Effect.gen(function* () {
    yield* checkSettingNames(connector, flags.setting);
    const settings = settingsFor(connector, flags.setting, process.env);
    yield* checkAsSendWould(connector, settings, undefined);
    return settings;
  });
}

/** A dry run of the rows; with a sync, it reads the sync's state from the store and changes nothing. */
function checkRows(connector: Connector, opened: OpenedLook, flags: ValidateFlags, sync: SyncRequest | undefined, hiddenFields: ReadonlyArray<string>, name: string): Effect.Effect<RowCheck, InputError> {
  return Effect.gen(function* () {
    const settings = yield* settingsOf(connector, flags, sync);
    const report = yield* runLook({
      connector,
      look: opened,
      settings,
      ...planOptions(flags),
      hiddenFields,
      runId: "validate",
      dryRun: true,
      ...(sync !== undefined ? { sync } : {}),
    }).pipe(
      Effect.provide(sync === undefined ? engineLayer() : Layer.merge(engineLayer(), storeLayer(process.env))),
      Effect.catchTag("StoreError", (e) => Effect.fail(storeProblem(e))),
      Effect.mapError((e) => (e instanceof InputError ? e : new InputError({ message: `${name}: ${errorLine(e)}`, code: "source" }))),
    );
    if (report.sourceError !== undefined) return yield* Effect.fail(new InputError({ message: `${name}: ${report.sourceError}`, code: "source" }));
    return { read: report.rows.read, wouldSend: report.rows.delivered, rejected: report.rows.rejected, reasons: report.rejected, warnings: report.warnings, ...(report.sync !== undefined ? { sync: report.sync } : {}) };
  });
}

export const validate = Command.make("validate", optionsOf(validateFlags), (flags) =>
  Effect.gen(function* () {
    const sync = yield* syncAsked(flags);
    const readRows = rowsAsked(flags);
    // Without the rows no record is checked, so the wire schemas are not compiled (see LoadOptions).
    const planned = yield* planLook(flags, { recordSchemas: readRows ? "at-load" : "first-use" });
    const { connector, input, opened, p } = planned;
    const checked = readRows && p.ok ? yield* checkRows(connector, opened, flags, sync, input.hiddenFields, input.name) : undefined;
    if (!reportValidation(flags, planned, checked)) return yield* Effect.fail(new NotValid());
  }),
).pipe(
  Command.withDescription(
    "Check a Look against a destination before anything is sent: what each column maps to or why it is ignored, whether each requirement is met, and errors and warnings that name the column and the rule with how to fix them; with --sync, how many rows a send of the sync would send, by kind. Exit 0 valid, 1 invalid, 2 usage or input error.",
  ),
);
