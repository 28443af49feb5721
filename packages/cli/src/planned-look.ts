// The connector `--to` names and the plan of a Look for it, as plain calls: target.ts gives them as
// effects, and the quick commands (quick.ts) call them without effect's runtime.
import { findConnector, loadConnectors, plan, UnknownConnectorError, type Connector, type LoadOptions, type Plan } from "@tagwire/engine/planning";
import * as Option from "effect/Option";
import { errorLine, InputError } from "./exit.js";
import type { SourceFlags, TargetFlags } from "./shared-flags.js";
import { openSource, readHeaderOf, type LookInput, type OpenedLook } from "./sources/open.js";

/** The connector named by `--to`, from the repository's `connectors/` folder. */
export function targetConnector(id: string, load: LoadOptions = {}): Connector {
  try {
    return findConnector(loadConnectors(undefined, load), id);
  } catch (e) {
    throw new InputError({
      code: e instanceof UnknownConnectorError ? "usage" : "config",
      message: e instanceof UnknownConnectorError ? `--to: ${e.message} See \`tagwire destinations\`.` : errorLine(e),
    });
  }
}

/** What `plan` and `runLook` need from the target flags. */
export function planOptions(flags: TargetFlags) {
  return {
    options: Object.fromEntries(flags.option),
    ...(Option.isSome(flags.action) ? { action: flags.action.value } : {}),
    ...(flags.to.downstreams.length > 0 ? { downstreams: flags.to.downstreams } : {}),
  };
}

export interface PlannedLook {
  readonly connector: Connector;
  readonly input: LookInput;
  readonly opened: OpenedLook;
  readonly p: Plan;
}

/** Opens the Look, reads its fields and plans them for the `--to` connector; the rows are left unread. */
export async function planTargetLook(flags: TargetFlags & SourceFlags, load: LoadOptions = {}): Promise<PlannedLook> {
  const connector = targetConnector(flags.to.connector, load);
  const input = await openSource(flags);
  const opened = await readHeaderOf(input);
  const p = plan(connector, { fields: opened.header.fields, hiddenFields: input.hiddenFields, tagSource: input.tagSource, ...planOptions(flags) });
  return { connector, input, opened, p };
}
