/**
 * Where a Look's tags are given, for the fixes diagnostics suggest: in LookML (a Look from Looker), or
 * with the CLI's `--tag column=tag` (a CSV export, whose columns carry no tags of their own).
 */
export type TagSource = "lookml" | "tag-flag";

export interface TagFixes {
  /** The fix for a column whose tag is a near miss of `intended`. */
  retag(column: string, intended: string): string;
  /** How a column gets `tag`, as an example after the tags a requirement accepts. */
  example(tag: string): string;
}

export function tagFixes(source: TagSource = "lookml"): TagFixes {
  return source === "tag-flag"
    ? { retag: (column, intended) => `Tag the column with \`--tag ${column}=${intended}\` instead.`, example: (tag) => ` (with \`--tag <column>=${tag}\`)` }
    : { retag: (_column, intended) => `Change the tag to \`${intended}\` in LookML.`, example: (tag) => ` (in LookML: \`tags: ["${tag}"]\` on the dimension)` };
}
