import type { ConnectorManifest, ColumnRule, KeyRule, ValueRule, Option } from "../generated/manifest.js";
import type { Downstream } from "../generated/downstream-table.js";

/** Problems the wire schema finds in one record, as `path: message` lines. */
export type RecordValidator = (record: unknown) => string[] | undefined;

/** A loaded, validated connector: the manifest plus what it refers to. */
export interface Connector {
  readonly id: string;
  readonly manifest: ConnectorManifest;
  /** Absolute path of the manifest file. */
  readonly file: string;
  /** Absolute path of the connector's folder. */
  readonly dir: string;
  readonly downstreams: ReadonlyArray<Downstream>;
  readonly iconDataUri?: string;
  readonly validateRecord: RecordValidator;
}

/** A value rule as the manifest gives it (inline, or the name of an entry in `valueRules`), resolved. */
function resolveValueRule(manifest: ConnectorManifest, v: string | ValueRule | undefined): ValueRule {
  if (v === undefined) return {};
  if (typeof v === "string") return manifest.valueRules?.[v] ?? {};
  return v;
}

/** The keys a key rule accepts, when it limits them. */
export function allowedKeys(k: KeyRule): ReadonlyArray<string> | undefined {
  if (k.allowed === undefined) return undefined;
  return Array.isArray(k.allowed) ? k.allowed : Object.keys(k.allowed);
}

/** The value rule of a column rule for the key a column writes: the key's own rule, or the column rule's `value`. */
export function valueRuleOf(manifest: ConnectorManifest, rule: ColumnRule, key?: string): ValueRule {
  const allowed = rule.key?.allowed;
  const perKey = key !== undefined && allowed !== undefined && !Array.isArray(allowed) && Object.hasOwn(allowed, key) ? allowed[key] : undefined;
  // `{}` keeps the column rule's value rule.
  if (perKey !== undefined && (typeof perKey === "string" || Object.keys(perKey).length > 0)) return resolveValueRule(manifest, perKey);
  return resolveValueRule(manifest, rule.value);
}

/** A column rule's target path; "" when a `key` rule leaves it out and writes top-level keys of the record. */
export function targetOf(rule: ColumnRule): string {
  return rule.target ?? "";
}

export function optionNamed(manifest: ConnectorManifest, name: string): Option | undefined {
  return manifest.options.find((o) => o.name === name);
}

/** Every tag any column rule selects, whatever the options. */
export function knownTags(manifest: ConnectorManifest): string[] {
  const tags = new Set<string>();
  for (const rule of manifest.columns) {
    if (rule.select.tag !== undefined) tags.add(rule.select.tag);
    for (const t of Object.keys(rule.select.tags ?? {})) tags.add(t);
  }
  return [...tags];
}
