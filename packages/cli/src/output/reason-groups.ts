import type { ReasonGroup } from "@tagwire/engine/planning";
import { count } from "./table.js";

/** Rows grouped by reason, largest group first, each with its example rows. */
export function reasonGroupLines(title: string, groups: ReadonlyArray<ReasonGroup>): string[] {
  if (groups.length === 0) return [];
  const lines = ["", title];
  for (const g of groups) {
    lines.push(`  ${count(g.count)} × ${g.reason}`);
    for (const e of g.examples) lines.push(`      row ${e.row}: ${e.detail}`);
  }
  return lines;
}
