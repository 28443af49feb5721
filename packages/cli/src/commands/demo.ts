import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import { loadActionServer } from "../action-server.js";
import { errorLine, InputError } from "../exit.js";
import { json } from "../flags.js";

/** Loaded on demand (only the demo needs the emulators), once the action server is known to be built. */
const loadDemo = Effect.zipRight(
  loadActionServer,
  Effect.tryPromise({ try: () => import("../demo/run-demo.js"), catch: (e) => new InputError({ message: errorLine(e) }) }),
);

// The sample Look has a row without identifiers on purpose: its rejection is part of what the demo
// shows, so the demo succeeds when it has run through, whatever the steps reported.
export const demo = Command.make("demo", { json }, (flags) =>
  Effect.gen(function* () {
    const { runDemo } = yield* loadDemo;
    yield* Effect.tryPromise({
      try: () => runDemo({ out: (line) => void process.stdout.write(`${line}\n`), json: flags.json }),
      catch: (e) => new InputError({ message: errorLine(e) }),
    });
  }),
).pipe(
  Command.withDescription(
    "The quick start with embedded defaults: starts local stand-ins of the destinations and the action server, sends a sample Look through the Looker Action API (inline and by download_url), and prints what each destination received. Needs no account and no configuration. --json prints one JSON summary instead.",
  ),
);
