// `--sync NAME [--rows changed|all] [--removed ignore|clear]` as the engine's sync request, and the
// store the CLI keeps syncs in.

import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import type { SyncRequest, SyncStore } from "@tagwire/engine";
import { InputError } from "./exit.js";

export interface SyncFlagValues {
  readonly sync: Option.Option<string>;
  readonly rows: Option.Option<"changed" | "all">;
  readonly removed: Option.Option<"ignore" | "clear">;
}

/** The sync a send asks for: instance and plan are both the NAME, as the sync's identity has them. */
export function syncRequestOf(flags: SyncFlagValues): Effect.Effect<SyncRequest | undefined, InputError> {
  if (Option.isNone(flags.sync)) {
    const stray = Option.isSome(flags.rows) ? "--rows" : Option.isSome(flags.removed) ? "--removed" : undefined;
    return stray === undefined ? Effect.succeed(undefined) : Effect.fail(new InputError({ code: "usage", message: `${stray} applies to a sync: give --sync NAME too.` }));
  }
  const name = flags.sync.value.trim();
  if (name === "") return Effect.fail(new InputError({ code: "usage", message: "--sync needs a name: the same name on every send makes the sends one sync." }));
  return Effect.succeed({ instance: name, plan: name, ...(Option.isSome(flags.rows) ? { rows: flags.rows.value } : {}), ...(Option.isSome(flags.removed) ? { removed: flags.removed.value } : {}) });
}

/**
 * The store a sync keeps its state and history in. The backends (an embedded file or Postgres,
 * chosen by TAGWIRE_DATABASE_URL) come from @tagwire/store; without one, a sync cannot be kept and
 * `--sync` is refused rather than silently sending every row.
 */
export function syncStoreFor(request: SyncRequest | undefined, store: SyncStore | undefined, env: Readonly<Record<string, string | undefined>>): Effect.Effect<SyncStore | undefined, InputError> {
  if (request === undefined || store !== undefined) return Effect.succeed(store);
  const message =
    env["TAGWIRE_DATABASE_URL"] === "none"
      ? "--sync needs a state store, and TAGWIRE_DATABASE_URL=none turns it off."
      : "--sync needs a state store, and none is configured (TAGWIRE_DATABASE_URL).";
  return Effect.fail(new InputError({ code: "usage", message }));
}
