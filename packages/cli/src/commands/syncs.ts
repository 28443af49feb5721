import * as Args from "@effect/cli/Args";
import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import { InputError } from "../exit.js";
import { json } from "../flags.js";
import { resetLine, syncListLines } from "../output/history.js";
import { printJson, printLines } from "../output/print.js";
import { withStore } from "../store-access.js";

const syncId = Args.text({ name: "id" }).pipe(Args.withDescription("The sync's id, as `tagwire syncs` lists it."));

export const reset = Command.make("reset", { syncId }, (flags) =>
  withStore((store) =>
    Effect.gen(function* () {
      const rows = (yield* store.listSyncs()).find((s) => s.sync.id === flags.syncId)?.rows ?? 0;
      if (!(yield* store.reset(flags.syncId))) {
        return yield* Effect.fail(new InputError({ code: "usage", message: `no sync \`${flags.syncId.slice(0, 200)}\` in ${store.describe}: see \`tagwire syncs\`` }));
      }
      yield* printLines([resetLine(flags.syncId, rows)]);
    }),
  ),
).pipe(
  Command.withDescription(
    "Forget a sync's state: its next run sends every row as new (its history stays). Use it after the destination lost data, or to send everything once. An unknown sync id exits 2.",
  ),
);

export const syncs = Command.make("syncs", { json }, (flags) =>
  withStore((store) =>
    Effect.gen(function* () {
      const list = yield* store.listSyncs();
      yield* flags.json ? printJson(list) : printLines(syncListLines(list, store.describe));
    }),
  ),
).pipe(
  Command.withDescription(
    "List the syncs the store knows (one per Looker instance, scheduled plan, action and destination workspace, or per `send --sync` name), each with the rows its state holds and its last run. `tagwire syncs reset <id>` forgets one's state.",
  ),
  Command.withSubcommands([reset]),
);
