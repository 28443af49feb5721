import { baseUrlVariable, settingVariable, type Connector } from "@tagwire/engine/planning";

/** `--setting` values first, then the environment; settings given neither way are left to the engine's defaults and checks. */
export function settingsFor(
  connector: Connector,
  given: ReadonlyArray<readonly [string, string]>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const flags = new Map(given);
  const out: Record<string, string | undefined> = {};
  for (const s of connector.manifest.settings) {
    out[s.name] = flags.get(s.name) ?? env[settingVariable(connector.id, s.name)];
  }
  return out;
}

/** Names of `--setting` flags that the connector does not declare. */
export function unknownSettings(connector: Connector, given: ReadonlyArray<readonly [string, string]>): string[] {
  const known = new Set(connector.manifest.settings.map((s) => s.name));
  return [...new Set(given.map(([name]) => name).filter((name) => !known.has(name)))];
}

/** Values that satisfy the settings check of a dry run, which never uses them (nothing is sent). */
export function placeholderSettings(connector: Connector): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of connector.manifest.settings) out[s.name] = s.default ?? s.choices?.[0]?.value ?? "unused";
  return out;
}

export { baseUrlVariable, settingVariable };
