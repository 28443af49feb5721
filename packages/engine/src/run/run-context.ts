import { hash } from "node:crypto";
import type { Connector } from "../manifest/connector.js";
import type { Plan } from "../plan/types.js";
import type { RunContext } from "../transform/transform.js";
import { manifestBaseUrl } from "./endpoint.js";

type Values = Readonly<Record<string, string | undefined>>;

/**
 * The destination workspace the records land in, as a digest: the settings the manifest marks
 * `namesWorkspace` (defaults applied) and the base URL they and the options select. The
 * environment's `TAGWIRE_<ID>_URL` is left out: it points at a stand-in or a proxy of the same
 * workspace. Only the digest travels with the run, never a setting's value.
 */
export function workspaceOf(connector: Connector, settings: Values, options: Values): string {
  const values: Record<string, string> = {};
  for (const s of connector.manifest.settings) values[s.name] = settings[s.name] !== undefined && settings[s.name] !== "" ? settings[s.name]! : (s.default ?? "");
  const named = connector.manifest.settings.filter((s) => s.namesWorkspace === true).map((s) => [s.name, values[s.name]]);
  return hash("sha256", JSON.stringify([connector.id, named, manifestBaseUrl(connector, values, options)])).slice(0, 32);
}

/**
 * The action record ids are derived with: the one asked for, or the connector's only action (the
 * same records either way).
 */
function actionOf(plan: Plan): string {
  const actions = plan.connector.manifest.actions;
  return plan.action?.name ?? (actions.length === 1 ? actions[0]!.name : "");
}

/** What a run's fills and ids are derived from; `send` and `preview` build it the same way. */
export function runContextOf(plan: Plan, settings: Values, runId: string, ranAt: string | undefined): RunContext {
  const ranAtMs = ranAt !== undefined && !Number.isNaN(Date.parse(ranAt)) ? Date.parse(ranAt) : Date.now();
  return {
    runId,
    action: actionOf(plan),
    workspace: workspaceOf(plan.connector, settings, plan.options),
    ranAt: ranAt ?? new Date(ranAtMs).toISOString(),
    ranAtMs,
  };
}
