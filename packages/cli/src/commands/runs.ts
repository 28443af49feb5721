import * as Args from "@effect/cli/Args";
import * as Command from "@effect/cli/Command";
import * as Options from "@effect/cli/Options";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { InputError } from "../exit.js";
import { json, positiveInteger } from "../flags.js";
import { runLines, runListLines } from "../output/history.js";
import { printJson, printLines } from "../output/print.js";
import { withStore } from "../store-access.js";

const DEFAULT_LIMIT = 20;

const sync = Options.text("sync").pipe(Options.withPseudoName("ID"), Options.optional, Options.withDescription("Only the runs of this sync (its id, as `tagwire syncs` lists them)."));
const limit = positiveInteger("limit", `How many runs to list, newest first (default ${DEFAULT_LIMIT}).`).pipe(Options.optional);
const runId = Args.text({ name: "id" }).pipe(Args.withDescription("The run's id, as `tagwire runs` lists it (the run report's run id; for Looker, the webhook id)."));

export const show = Command.make("show", { runId, json }, (flags) =>
  withStore((store) =>
    Effect.gen(function* () {
      const run = yield* store.getRun(flags.runId);
      if (run === undefined) return yield* Effect.fail(new InputError({ code: "usage", message: `no run \`${flags.runId.slice(0, 200)}\` in ${store.describe}: see \`tagwire runs\`` }));
      yield* flags.json ? printJson(run) : printLines(runLines(run));
    }),
  ),
).pipe(
  Command.withDescription(
    "Show one run from the history: its sync, source, start and end, figures, rejection reasons with example rows, and failed row ranges with their last status. An unknown run id exits 2.",
  ),
);

export const runs = Command.make("runs", { sync, limit, json }, (flags) =>
  withStore((store) =>
    Effect.gen(function* () {
      const list = yield* store.listRuns({ ...(Option.isSome(flags.sync) ? { syncId: flags.sync.value } : {}), limit: Option.getOrElse(flags.limit, () => DEFAULT_LIMIT) });
      yield* flags.json ? printJson(list) : printLines(runListLines(list, store.describe));
    }),
  ),
).pipe(
  Command.withDescription(
    "List the run history of the server and of `send`, newest first, from the store that TAGWIRE_DATABASE_URL names (history older than TAGWIRE_HISTORY_DAYS is deleted). `tagwire runs show <id>` shows one run.",
  ),
  Command.withSubcommands([show]),
);
