import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { loadActionServer } from "../action-server.js";
import { errorLine, InputError } from "../exit.js";
import { printLines } from "../output/print.js";

const port = Options.integer("port").pipe(
  Options.withPseudoName("N"),
  Options.optional,
  Options.withDescription("Port to listen on (overrides the PORT environment variable)."),
);

export const serve = Command.make("serve", { port }, (flags) =>
  Effect.gen(function* () {
    // Loaded only by the long-running commands, so the others start without it; before anything is
    // printed, so a signal sent as soon as the address shows is handled.
    const { stopOnSignal } = yield* Effect.promise(() => import("../signals.js"));
    const server = yield* loadActionServer;
    const env = { ...process.env, ...(Option.isSome(flags.port) ? { PORT: String(flags.port.value) } : {}) };
    const running = yield* Effect.tryPromise({
      try: async () => server.startActionServer(server.configFromEnv(env)),
      catch: (e) => new InputError({ message: errorLine(e), code: "config" }),
    });
    yield* printLines([`action server listening on ${running.url} (stop with Ctrl-C)`]);
    yield* stopOnSignal(() => running.close());
  }),
).pipe(
  Command.withDescription(
    "Run the Looker action server: one Looker action per connector manifest, configured by environment variables (see docs/cli.md), until SIGINT or SIGTERM, which stop it gracefully.",
  ),
);
