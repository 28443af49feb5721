import { Command } from "@effect/cli";
import { Effect } from "effect";
import { loadActionServer } from "../action-server.js";
import { errorLine, InputError, NotValid } from "../exit.js";
import { json } from "../flags.js";

export const demo = Command.make("demo", { json }, (flags) =>
  Effect.gen(function* () {
    const server = yield* loadActionServer;
    const result = yield* Effect.tryPromise({
      try: () => server.runDemo({ out: (line) => void process.stdout.write(`${line}\n`), json: flags.json }),
      catch: (e) => new InputError({ message: errorLine(e) }),
    });
    // A demo whose result reports failure is a failed run, as with `send`.
    if (typeof result === "object" && result !== null && (result as { success?: unknown }).success === false) return yield* Effect.fail(new NotValid());
  }),
).pipe(
  Command.withDescription(
    "The quick start with embedded defaults: starts the emulators and the action server locally, sends a sample Look through them and prints what arrived. Needs no account and no configuration.",
  ),
);
