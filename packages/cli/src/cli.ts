import { readFileSync } from "node:fs";
import { CliConfig, Command, ValidationError } from "@effect/cli";
// The module, not the package index: the index loads cluster, RPC and SQL support the CLI never uses.
import * as NodeContext from "@effect/platform-node/NodeContext";
import { Cause, Console, Effect, Exit, Layer } from "effect";
import { demo } from "./commands/demo.js";
import { destinations } from "./commands/destinations.js";
import { emulators } from "./commands/emulators.js";
import { manifest } from "./commands/manifest.js";
import { preview } from "./commands/preview.js";
import { send } from "./commands/send.js";
import { serve } from "./commands/serve.js";
import { validate } from "./commands/validate.js";
import { token } from "./commands/token.js";
import { errorLine, ExitCode, InputError, Interrupted, NotValid } from "./exit.js";
import { plainConsole } from "./output/console.js";

// src/ and dist/ sit at the same depth, so the package's own package.json is one hop up from either.
export const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export const tagwire = Command.make("tagwire").pipe(
  Command.withDescription("Turn Looker query results into customer-data events for any connector declared in connectors/."),
  Command.withSubcommands([destinations, validate, preview, send, serve, emulators, demo, manifest, token]),
);

const app = Command.run(tagwire, { name: "tagwire", version: VERSION });

// The built-in --completions, --log-level and --wizard are left out of the help: the CLI documents only what it supports.
const layer = Layer.mergeAll(NodeContext.layer, CliConfig.layer({ showBuiltIns: false }));

/** Runs the command line (`process.argv` shape) and gives the exit code; every failure is one line on stderr. */
export async function runCli(argv: ReadonlyArray<string>): Promise<number> {
  const run: Effect.Effect<void, unknown, never> = app(argv).pipe(Effect.provide(layer));
  const program = Console.consoleWith((base) => run.pipe(Effect.withConsole(plainConsole(base))));
  const exit = await Effect.runPromiseExit(program);
  if (Exit.isSuccess(exit)) return ExitCode.ok;
  const failure = Cause.failureOption(exit.cause);
  if (failure._tag === "Some") {
    const e = failure.value;
    if (e instanceof NotValid) return ExitCode.invalid;
    if (e instanceof Interrupted) return ExitCode.interrupted;
    // @effect/cli has already printed its own message for parse errors.
    if (ValidationError.isValidationError(e)) return ExitCode.usage;
    if (e instanceof InputError) {
      process.stderr.write(`tagwire: ${errorLine(e)}\n`);
      return ExitCode.usage;
    }
  }
  const defect = Cause.squash(exit.cause);
  process.stderr.write(`tagwire: ${errorLine(defect)}\n`);
  if (process.env.TAGWIRE_DEBUG) process.stderr.write(`${Cause.pretty(exit.cause)}\n`);
  return ExitCode.usage;
}
