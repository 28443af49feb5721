// Which of a connector's sync declarations applies to a send, and where its rows' keys come from.

import type { ConnectorManifest, Sync } from "../generated/manifest.js";
import { holds, type OptionValues } from "../plan/condition.js";
import { allFields, type LookFields } from "../look/types.js";

/**
 * Where a row's key comes from, as plain data (it crosses to worker threads): the Look's
 * primary-key dimensions, else the subject paths the manifest declares for the mode, else the
 * record's content.
 */
export type KeySource =
  | { readonly kind: "primaryKey"; readonly fields: ReadonlyArray<string> }
  | { readonly kind: "subject"; readonly paths: ReadonlyArray<string> }
  | { readonly kind: "content" };

/** The connector's sync declaration for these (resolved) options: the first whose `when` holds. */
export function syncModeOf(manifest: ConnectorManifest, options: OptionValues): Sync | undefined {
  return (manifest.syncs ?? []).find((s) => holds(s.when, options));
}

/** True when some mode of the connector can be sent as a sync (its forms then ask `rows` and `removed`). */
export function declaresSyncs(manifest: ConnectorManifest): boolean {
  return (manifest.syncs ?? []).length > 0;
}

/** The Look's primary-key dimensions (json_detail marks them `primary_key: true`), in column order. */
export function primaryKeyFields(fields: LookFields): string[] {
  return allFields(fields).filter((f) => f.primary_key === true).map((f) => f.name);
}

export function keySourceOf(fields: LookFields, mode: Sync): KeySource {
  const primary = primaryKeyFields(fields);
  if (primary.length > 0) return { kind: "primaryKey", fields: primary };
  return mode.key.kind === "subject" ? { kind: "subject", paths: mode.key.paths } : { kind: "content" };
}

/** Says where keys come from, for messages: the primary-key column names them. */
export function describeKeySource(source: KeySource): string {
  switch (source.kind) {
    case "primaryKey":
      return `primary key ${source.fields.join(", ")}`;
    case "subject":
      return `the first of ${source.paths.join(", ")}`;
    case "content":
      return "the record's content";
  }
}
