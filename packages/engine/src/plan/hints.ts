import type { ConnectorManifest } from "../generated/manifest.js";
import { tagFixes, type TagFixes } from "./tag-fixes.js";
import { holds, type OptionValues } from "./condition.js";
import { joinPath, parsePattern, plainPath } from "../transform/path.js";
import { targetOf } from "../manifest/connector.js";

/** Tags (or column names) that would provide a target path under the chosen options. */
export interface Providers {
  readonly tags: string[];
  /** e.g. "a column labelled `name`" for paths filled from the remaining columns. */
  readonly columns: string[];
}

export function providersOf(m: ConnectorManifest, options: OptionValues, pattern: string, depth = 0): Providers {
  const { path, anyKey } = parsePattern(plainPath(pattern));
  const tags: string[] = [];
  const columns: string[] = [];
  for (const r of m.columns) {
    if (!holds(r.when, options)) continue;
    const target = plainPath(targetOf(r));
    if (r.select.tags !== undefined) {
      for (const [tag, key] of Object.entries(r.select.tags)) {
        if ((anyKey && target === path) || joinPath(target, key) === path) tags.push(tag);
      }
    } else if (r.select.tag !== undefined) {
      if (target === path || (anyKey && target.startsWith(`${path}.`))) tags.push(r.select.tag);
    } else if (r.key !== undefined && !anyKey && keyUnder(target, path) !== undefined) {
      const key = keyUnder(target, path)!.replace(r.key.prefix ?? "", "");
      const naming = r.key.from === "option" ? options[r.key.option ?? ""] : r.key.from;
      if (naming === "label") columns.push(`a column labelled \`${key}\``);
      else if (naming === "field" || key.includes(".")) columns.push(`a field named \`${key}\``);
      // A LookML field's full name always has its view's prefix: a key without one comes from a label only.
      else columns.push(`a column labelled \`${key}\`${r.key.from === "option" ? ` with the option \`${r.key.option}\` set to \`label\`` : ""}`);
    }
  }
  if (depth === 0) {
    for (const f of m.fills ?? []) {
      if (f.from?.uuidOf === undefined || plainPath(f.target) !== path || !holds(f.when, options)) continue;
      const via = providersOf(m, options, f.from.uuidOf, 1);
      tags.push(...via.tags);
      columns.push(...via.columns);
    }
  }
  return { tags: [...new Set(tags)], columns: [...new Set(columns)] };
}

/** The key `path` names under `target` (one step below it), if it is one. */
function keyUnder(target: string, path: string): string | undefined {
  if (target === "") return path.includes(".") ? undefined : path;
  return path.startsWith(`${target}.`) ? path.slice(target.length + 1) : undefined;
}

/** "tag a column with one of `mp_email`, … (add `tags: ["mp_email"]` to the dimension in LookML)". */
export function describeProviders(p: Providers, fixes: TagFixes = tagFixes()): string {
  const parts: string[] = [];
  if (p.tags.length === 1) parts.push(`tag a column \`${p.tags[0]}\``);
  else if (p.tags.length > 1) parts.push(`tag a column with one of ${p.tags.map((t) => `\`${t}\``).join(", ")}`);
  if (p.columns.length > 0) parts.push(`add ${p.columns.join(" or ")}`);
  if (parts.length === 0) return "no column can provide it under these options";
  const example = p.tags[0] !== undefined ? fixes.example(p.tags[0]) : "";
  return `${parts.join(", or ")}${example}`;
}
