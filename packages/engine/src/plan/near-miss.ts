// A tag that is a near miss of one the connector knows: misspelt (`emial`), written another way
// (`user-id`, `User_ID`), or a known tag behind another tool's prefix (`mp_email` where `email` is
// known). Derived from the known tags alone, so no destination is named here.

import type { ConnectorManifest } from "../generated/manifest.js";
import type { Diagnostic } from "./types.js";
import { closest } from "./did-you-mean.js";
import { holds, type OptionValues } from "./condition.js";
import { providersOf } from "./hints.js";
import { joinPath, plainPath } from "../transform/path.js";
import { targetOf } from "../manifest/connector.js";
import type { TagFixes } from "./tag-fixes.js";

/** Case and separators do not make a different tag: `User-Id` is `user_id`. */
const normalise = (tag: string) => tag.toLowerCase().replace(/-/g, "_");

/** `mp_email` without its `mp_`; undefined when there is no prefix to take off. */
function withoutPrefix(tag: string): string | undefined {
  const match = /^[a-z0-9]+_(.+)$/.exec(tag);
  return match?.[1];
}

const MAX_PREFIX = 32;

export interface NearMisses {
  /** The known tag `tag` was probably meant to be. `viaPrefix`: only another tool's prefix sets them apart. */
  intended(tag: string): { tag: string; viaPrefix: boolean } | undefined;
}

export function nearMisses(known: Iterable<string>): NearMisses {
  const byNormalForm = new Map<string, string>();
  for (const k of known) byNormalForm.set(normalise(k), k);
  const candidates = [...byNormalForm.values()];
  // A tool's prefix is a word or two: a far longer tag (a pasted blob) is no near miss.
  const longest = Math.max(0, ...candidates.map((c) => c.length)) + MAX_PREFIX;
  return {
    intended(tag) {
      if (tag.length > longest) return undefined;
      const form = normalise(tag);
      const same = byNormalForm.get(form) ?? closest(form, candidates);
      if (same !== undefined) return { tag: same, viaPrefix: false };
      const bare = withoutPrefix(form);
      const behindPrefix = bare === undefined ? undefined : byNormalForm.get(bare);
      return behindPrefix === undefined ? undefined : { tag: behindPrefix, viaPrefix: true };
    },
  };
}

/** A column left out because its tag looks like a known one. */
export interface NearMiss {
  readonly column: string;
  readonly tag: string;
  readonly intended: string;
  /** Index of its warning among the plan's diagnostics. */
  readonly diagnostic: number;
}

/** The fixed paths a tag writes under the options (none for a tag whose columns name their keys). */
function pathsOfTag(m: ConnectorManifest, options: OptionValues, tag: string): string[] {
  const paths: string[] = [];
  for (const r of m.columns) {
    if (!holds(r.when, options)) continue;
    const key = r.select.tags?.[tag];
    if (key !== undefined) paths.push(joinPath(plainPath(targetOf(r)), key));
    else if (r.select.tag === tag && r.key === undefined) paths.push(plainPath(targetOf(r)));
  }
  return paths;
}

/**
 * A near miss is an error when the Look then lacks the identifier the intended tag would have
 * given: no column writes where that tag writes, and a requirement looks for it there. Rows would
 * otherwise be sent without it (as anonymous users, or merged on another identifier).
 */
export function nearMissErrors(m: ConnectorManifest, options: OptionValues, provided: ReadonlySet<string>, misses: ReadonlyArray<NearMiss>, diagnostics: Diagnostic[], fixes: TagFixes): void {
  for (const miss of misses) {
    const paths = pathsOfTag(m, options, miss.intended);
    if (paths.length === 0 || paths.some((p) => provided.has(p))) continue;
    const requirement = m.requirements.find(
      (r) => holds(r.when, options) && [...(r.anyOf ?? []), ...(r.allOf ?? [])].some((p) => providersOf(m, options, p).tags.includes(miss.intended)),
    );
    if (requirement === undefined) continue;
    diagnostics[miss.diagnostic] = {
      severity: "error", code: "near-miss-tag", rule: `requirement ${requirement.id}`, subject: { kind: "requirement", id: requirement.id }, column: miss.column,
      message: `\`${miss.tag}\` is not a known ${m.label} tag: did you mean \`${miss.intended}\`? No column gives ${paths.map((p) => `\`${p}\``).join(" or ")}, which \`${miss.intended}\` would give to meet requirement ${requirement.id} (${requirement.description}): rows would be sent without it.`,
      hint: fixes.retag(miss.column, miss.intended),
    };
  }
}
