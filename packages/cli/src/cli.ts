import * as CliConfig from "@effect/cli/CliConfig";
import * as Command from "@effect/cli/Command";
import * as HelpDoc from "@effect/cli/HelpDoc";
import * as ValidationError from "@effect/cli/ValidationError";
// The module, not the package index: the index loads cluster, RPC and SQL support the CLI never uses.
import * as NodeContext from "@effect/platform-node/NodeContext";
import * as Cause from "effect/Cause";
import * as Console from "effect/Console";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Layer from "effect/Layer";
import { demo } from "./commands/demo.js";
import { destinations } from "./commands/destinations.js";
import { emulators } from "./commands/emulators.js";
import { check as manifestCheck, manifest } from "./commands/manifest.js";
import { preview } from "./commands/preview.js";
import { runs, show as runsShow } from "./commands/runs.js";
import { reset as syncsReset, syncs } from "./commands/syncs.js";
import { send } from "./commands/send.js";
import { serve } from "./commands/serve.js";
import { validate } from "./commands/validate.js";
import { token } from "./commands/token.js";
import { errorLine, exitCodeOfFailure, ExitCode, reportError } from "./exit.js";
import { ANSI, plainConsole } from "./output/console.js";
import { helpRequested, ownWords, printHelp, VERSION } from "./help-request.js";
import type { HelpTree } from "./output/help.js";
import { helpNode } from "./output/help-tree.js";

export { VERSION };

export const tagwire = Command.make("tagwire").pipe(
  Command.withDescription("Turn Looker query results into customer-data events for any connector declared in connectors/."),
  Command.withSubcommands([destinations, validate, preview, send, runs, syncs, serve, emulators, demo, manifest, token]),
);

/** The commands in the order the overview lists them. */
export const helpTree: HelpTree = helpNode("tagwire", tagwire, [
  helpNode("destinations", destinations),
  helpNode("validate", validate),
  helpNode("preview", preview),
  helpNode("send", send),
  helpNode("runs", runs, [helpNode("show", runsShow)], { runsAlone: true }),
  helpNode("syncs", syncs, [helpNode("reset", syncsReset)], { runsAlone: true }),
  helpNode("serve", serve),
  helpNode("emulators", emulators),
  helpNode("demo", demo),
  helpNode("manifest", manifest, [helpNode("check", manifestCheck)]),
  helpNode("token", token),
]);

const app = Command.run(tagwire, { name: "tagwire", version: VERSION });

// The built-in --completions, --log-level and --wizard are left out of the help: the CLI documents only what it supports.
const layer = Layer.mergeAll(NodeContext.layer, CliConfig.layer({ showBuiltIns: false }));

/** Runs the command line (`process.argv` shape) and gives the exit code; every failure is one line on stderr, or with --json an error object on stdout. */
export async function runCli(argv: ReadonlyArray<string>): Promise<number> {
  const args = argv.slice(2);
  if (helpRequested(args, helpTree)) {
    printHelp(helpTree, args);
    return ExitCode.ok;
  }
  const json = ownWords(args).includes("--json");
  const run: Effect.Effect<void, unknown, never> = app(argv).pipe(Effect.provide(layer));
  // @effect/cli prints its parse errors through Console.error: they are reported below instead, in the CLI's own form.
  const program = Console.consoleWith((base) => run.pipe(Effect.withConsole(plainConsole(base))));
  const exit = await Effect.runPromiseExit(program);
  if (Exit.isSuccess(exit)) return ExitCode.ok;
  const failure = Cause.failureOption(exit.cause);
  if (failure._tag === "Some") {
    const e = failure.value;
    if (ValidationError.isValidationError(e)) return reportError({ code: "usage", message: usageMessage(e) }, json);
    const code = exitCodeOfFailure(e, json);
    if (code !== undefined) return code;
  }
  const defect = Cause.squash(exit.cause);
  if (process.env.TAGWIRE_DEBUG) process.stderr.write(`${Cause.pretty(exit.cause)}\n`);
  return reportError({ code: "internal", message: errorLine(defect) }, json);
}

function usageMessage(e: ValidationError.ValidationError): string {
  const doc = (e as { readonly error?: HelpDoc.HelpDoc }).error;
  const text = doc !== undefined ? HelpDoc.toAnsiText(doc) : "invalid command line (see --help)";
  return errorLine(text.replace(ANSI, ""));
}
