import { findConnector, loadConnectors, plan, UnknownConnectorError, type Connector } from "@tagwire/engine";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { errorLine, InputError } from "./exit.js";
import type { SourceFlags, TargetFlags } from "./flags.js";
import { openLook, readHeader } from "./sources/index.js";

/** The connector named by `--to`, from the repository's `connectors/` folder. */
export function connectorNamed(id: string): Effect.Effect<Connector, InputError> {
  return Effect.try({
    try: () => findConnector(loadConnectors(), id),
    catch: (e) =>
      new InputError({
        code: e instanceof UnknownConnectorError ? "usage" : "config",
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

/** Opens the Look, reads its fields and plans them for the `--to` connector; the rows are left unread. */
export function planLook(flags: TargetFlags & SourceFlags) {
  return Effect.gen(function* () {
    const connector = yield* connectorNamed(flags.to.connector);
    const input = yield* openLook(flags);
    const opened = yield* readHeader(input);
    const p = plan(connector, { fields: opened.header.fields, hiddenFields: input.hiddenFields, tagSource: input.tagSource, ...planOptions(flags) });
    return { connector, input, opened, p };
  });
}
