import * as Command from "@effect/cli/Command";
import * as Effect from "effect/Effect";
import { loadActionServer } from "../action-server.js";
import { InputError } from "../exit.js";
import { printLines } from "../output/print.js";

export const token = Command.make("token", {}, () =>
  Effect.gen(function* () {
    const secret = process.env["ACTION_HUB_SECRET"];
    if (secret === undefined || secret.trim() === "") {
      return yield* Effect.fail(new InputError({ message: "ACTION_HUB_SECRET is not set: the token is derived from the server's secret, so set the same value the server runs with.", code: "config" }));
    }
    const server = yield* loadActionServer;
    yield* printLines([server.newToken(secret)]);
  }),
).pipe(
  Command.withDescription(
    "Print a new Looker Action Hub token (<nonce>/<hex HMAC-SHA512(ACTION_HUB_SECRET, nonce)>) to enter in Looker as the action hub's authorization token. The server accepts it, or the plain ACTION_HUB_SECRET, in `Authorization: Token token=\"...\"`.",
  ),
);
