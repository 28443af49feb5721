// What a send checks before it reads a row, shared by `send` and by `validate --sync`, which counts
// what such a send would send: the same settings name the same sync.
import * as Effect from "effect/Effect";
import { closest, rateLimitOf, resolveSettings, SettingsError, type Connector, type RateLimitSetting } from "@tagwire/engine";
import { errorLine, InputError } from "./exit.js";
import { settingVariable, unknownSettings } from "./settings.js";

/** The engine names the missing setting; the CLI adds the two ways to give it. */
export function settingsProblem(connector: Connector, e: SettingsError): InputError {
  const known = new Set(connector.manifest.settings.map((s) => s.name));
  const parts = e.problems.map((p) => (known.has(p.setting) ? `${p.message} Give --setting ${p.setting}=... or set ${settingVariable(connector.id, p.setting)}.` : p.message));
  return new InputError({ message: parts.join(" "), code: "settings" });
}

export function checkSettingNames(connector: Connector, given: ReadonlyArray<readonly [string, string]>): Effect.Effect<void, InputError> {
  const names = connector.manifest.settings.map((s) => s.name);
  const unknown = unknownSettings(connector, given);
  if (unknown.length === 0) return Effect.void;
  const name = unknown[0]!;
  const guess = closest(name, names);
  return Effect.fail(new InputError({ code: "usage", message: `--setting ${name}: ${connector.manifest.label} has no such setting.${guess ? ` Did you mean \`${guess}\`?` : ""} Settings: ${names.join(", ")}.` }));
}

/**
 * What a send checks before it reads a row (the settings, TAGWIRE_<ID>_RATE_LIMIT), for a dry run,
 * which the engine runs without them since it sends nothing: a dry run that passes is a send that starts.
 */
export function checkAsSendWould(connector: Connector, settings: Record<string, string | undefined>, rateLimit: RateLimitSetting | undefined): Effect.Effect<void, InputError> {
  return Effect.try({
    try: () => {
      resolveSettings(connector, settings);
      rateLimitOf(connector, rateLimit, process.env);
    },
    catch: (e) => (e instanceof SettingsError ? settingsProblem(connector, e) : new InputError({ message: errorLine(e) })),
  });
}
