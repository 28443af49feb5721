// The state store for the commands that read or change it (`runs`, `syncs`): the one the server and
// `send` use, from the same TAGWIRE_DATABASE_URL, opened for the command and closed when it ends.
import * as Effect from "effect/Effect";
import type { StoreError, SyncStore } from "@tagwire/engine";
import { requiredStore } from "@tagwire/store";
import { InputError } from "./exit.js";

/** A store that cannot be opened is a configuration error (exit 2), named by the store's own message. */
export const storeProblem = (e: StoreError): InputError => new InputError({ message: e.reason, code: "config" });

export function withStore<A>(use: (store: SyncStore) => Effect.Effect<A, StoreError | InputError>): Effect.Effect<A, InputError> {
  return Effect.scoped(Effect.flatMap(requiredStore(process.env), use)).pipe(Effect.catchTag("StoreError", (e) => Effect.fail(storeProblem(e))));
}
