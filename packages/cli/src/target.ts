import type { Connector, LoadOptions } from "@tagwire/engine/planning";
import type * as Effect from "effect/Effect";
import type { InputError } from "./exit.js";
import { fromCall, fromPromise } from "./input-effects.js";
import { planTargetLook, targetConnector, type PlannedLook } from "./planned-look.js";
import type { SourceFlags, TargetFlags } from "./shared-flags.js";

export { planOptions } from "./planned-look.js";

/** targetConnector as an effect. */
export const connectorNamed = (id: string): Effect.Effect<Connector, InputError> => fromCall(() => targetConnector(id));

/** planTargetLook as an effect. */
export const planLook = (flags: TargetFlags & SourceFlags, load: LoadOptions = {}): Effect.Effect<PlannedLook, InputError> => fromPromise(() => planTargetLook(flags, load));
