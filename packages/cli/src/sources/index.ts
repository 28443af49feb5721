import type * as Effect from "effect/Effect";
import type { InputError } from "../exit.js";
import { fromPromise } from "../input-effects.js";
import type { SourceFlags } from "../shared-flags.js";
import { openSource, readHeaderOf, type LookInput, type OpenedLook, type OpenOptions } from "./open.js";

export type { LookInput, OpenedLook, OpenOptions, Spooler } from "./open.js";

/** openSource as an effect: everything the user can get wrong about the source fails as InputError. */
export const openLook = (flags: SourceFlags, options: OpenOptions = {}): Effect.Effect<LookInput, InputError> => fromPromise(() => openSource(flags, options));

/** readHeaderOf as an effect. */
export const readHeader = (input: LookInput): Effect.Effect<OpenedLook, InputError> => fromPromise(() => readHeaderOf(input));
