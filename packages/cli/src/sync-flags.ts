// `--sync NAME [--rows changed|all] [--removed ignore|clear]` as the engine's sync request.

import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { syncWaitMsFromEnv, type SyncRequest } from "@tagwire/engine";
import { InputError } from "./exit.js";

export interface SyncFlagValues {
  readonly sync: Option.Option<string>;
  readonly rows: Option.Option<"changed" | "all">;
  readonly removed: Option.Option<"ignore" | "clear">;
}

/**
 * The sync a send asks for: instance and plan are both the NAME, as the sync's identity has them.
 * It waits for another run of the sync as long as the server would (TAGWIRE_SYNC_WAIT_MS).
 */
export function syncRequestOf(flags: SyncFlagValues, env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<SyncRequest | undefined, InputError> {
  if (Option.isNone(flags.sync)) {
    const stray = Option.isSome(flags.rows) ? "--rows" : Option.isSome(flags.removed) ? "--removed" : undefined;
    return stray === undefined ? Effect.succeed(undefined) : Effect.fail(new InputError({ code: "usage", message: `${stray} applies to a sync: give --sync NAME too.` }));
  }
  const name = flags.sync.value.trim();
  if (name === "") return Effect.fail(new InputError({ code: "usage", message: "--sync needs a name: the same name on every send makes the sends one sync." }));
  return Effect.map(
    Effect.try({ try: () => syncWaitMsFromEnv(env), catch: (e) => new InputError({ code: "config", message: e instanceof Error ? e.message : String(e) }) }),
    (waitMs): SyncRequest => ({ instance: name, plan: name, waitMs, ...(Option.isSome(flags.rows) ? { rows: flags.rows.value } : {}), ...(Option.isSome(flags.removed) ? { removed: flags.removed.value } : {}) }),
  );
}

/**
 * A sync keeps its state in the store of TAGWIRE_DATABASE_URL (an embedded file unless it says
 * otherwise); with `none` there is none, and `--sync` is refused rather than silently sending every row.
 */
export function syncNeedsStore(request: SyncRequest | undefined, env: Readonly<Record<string, string | undefined>>): Effect.Effect<void, InputError> {
  if (request === undefined || env["TAGWIRE_DATABASE_URL"] !== "none") return Effect.void;
  return Effect.fail(new InputError({ code: "usage", message: "--sync needs a state store, and TAGWIRE_DATABASE_URL=none turns it off." }));
}
