import { readFileSync } from "node:fs";
import * as Args from "@effect/cli/Args";
import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import { loadConnectorFile, ManifestError } from "@tagwire/engine";
import { describeErrno, errorLine, InputError, NotValid } from "../exit.js";
import { printLines } from "../output/print.js";
import { plural } from "../output/table.js";

const file = Args.text({ name: "file" }).pipe(Args.withDescription("The connector manifest to check, e.g. connectors/<id>/manifest.json."));

/** An unreadable file is an input error (exit 2); an unreadable file it refers to makes the manifest invalid (exit 1). */
const readable = (file: string) =>
  Effect.try({
    try: () => void readFileSync(file),
    catch: (e) => new InputError({ message: `cannot read ${file}: ${describeErrno((e as NodeJS.ErrnoException).code ?? String(e))}` }),
  });

export const check = Command.make("check", { file }, ({ file }) =>
  readable(file).pipe(
    Effect.zipRight(Effect.try({ try: () => loadConnectorFile(file), catch: (e) => e })),
    Effect.matchEffect({
      onSuccess: (c) => printLines([`ok: ${c.id} (${plural(c.manifest.columns.length, "column rule")}, ${plural(c.manifest.actions.length, "action")})`]),
      onFailure: (e): Effect.Effect<void, InputError | NotValid> => {
        if (e instanceof InputError) return Effect.fail(e);
        if (e instanceof ManifestError) return printLines([e.message]).pipe(Effect.zipRight(Effect.fail(new NotValid())));
        return Effect.fail(new InputError({ message: errorLine(e) }));
      },
    }),
  ),
).pipe(
  Command.withDescription(
    "Validate a connector manifest (and the files it refers to) with the messages the engine gives at load time. Exit 0 valid, 1 invalid, 2 unreadable.",
  ),
);

export const manifest = Command.make("manifest").pipe(
  Command.withDescription("Work with connector manifests."),
  Command.withSubcommands([check]),
);
