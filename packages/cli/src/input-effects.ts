import * as Effect from "effect/Effect";
import { InputError } from "./exit.js";

// The plain calls behind the commands (planned-look.ts, sources/open.ts) throw InputError for what the
// user can get wrong; as effects, that is the failure, and anything else is a defect, as it was when
// they were written as effects.
const asFailure = (e: unknown): Effect.Effect<never, InputError> => (e instanceof InputError ? Effect.fail(e) : Effect.die(e));

/** A call that may throw InputError, as an effect. */
export const fromCall = <A>(call: () => A): Effect.Effect<A, InputError> => Effect.try({ try: call, catch: (e) => e }).pipe(Effect.catchAll(asFailure));

/** A promise that may reject with InputError, as an effect. */
export const fromPromise = <A>(run: () => Promise<A>): Effect.Effect<A, InputError> => Effect.tryPromise({ try: run, catch: (e) => e }).pipe(Effect.catchAll(asFailure));
