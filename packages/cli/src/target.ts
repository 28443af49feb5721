import { findConnector, loadConnectors, UnknownConnectorError, type Connector } from "@tagwire/engine";
import { Effect, Option } from "effect";
import { errorLine, InputError } from "./exit.js";
import type { TargetFlags } from "./flags.js";

/** The connector named by `--to`, from the repository's `connectors/` folder. */
export function connectorNamed(id: string): Effect.Effect<Connector, InputError> {
  return Effect.try({
    try: () => findConnector(loadConnectors(), id),
    catch: (e) =>
      new InputError({
        message: e instanceof UnknownConnectorError ? `--to: ${e.message} See \`tagwire destinations\`.` : errorLine(e),
      }),
  });
}

/** What `plan` and `runLook` need from the target flags. */
export function planOptions(flags: TargetFlags) {
  return {
    options: Object.fromEntries(flags.option),
    ...(Option.isSome(flags.action) ? { action: flags.action.value } : {}),
    ...(flags.to.downstreams.length > 0 ? { downstreams: flags.to.downstreams } : {}),
  };
}
