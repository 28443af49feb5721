import type { Condition } from "../generated/manifest.js";

export type OptionValues = Readonly<Record<string, string | undefined>>;

/** A rule without a condition always holds. */
export function holds(condition: Condition | undefined, options: OptionValues): boolean {
  if (condition === undefined) return true;
  const value = options[condition.option];
  if (condition.equals !== undefined) return value === condition.equals;
  return value !== undefined && (condition.in as ReadonlyArray<string> | undefined ?? []).includes(value);
}

export function describeCondition(condition: Condition): string {
  return condition.equals !== undefined
    ? `${condition.option} is ${condition.equals}`
    : `${condition.option} is one of ${(condition.in ?? []).join(", ")}`;
}
