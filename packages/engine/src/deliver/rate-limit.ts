import * as Data from "effect/Data";
import type { RateLimit } from "../generated/manifest.js";

/** A send's pacing: limits to keep, or `"off"` to send as fast as the concurrency allows. */
export type RateLimitSetting = RateLimit | "off";

/** Text that is not a rate limit; the message quotes it and shows the syntax. */
export class RateLimitSyntaxError extends Data.TaggedError("RateLimitSyntaxError")<{ readonly text: string; readonly problem: string }> {
  override get message(): string {
    return `\`${this.text}\` is not a rate limit (${this.problem}): write "<n> records/s", "<n> requests/s", both separated by a comma (e.g. "500 records/s, 20 requests/s"), or "off".`;
  }
}

const UNITS = { record: "recordsPerSecond", request: "requestsPerSecond" } as const;
const PART = /^(\d+(?:\.\d+)?)\s*(record|request)s?\s*\/\s*s(?:ec(?:ond)?)?$/i;

/** `"5000 records/s"`, `"1000 requests/s"`, `"500 records/s, 20 requests/s"` or `"off"`; throws `RateLimitSyntaxError`. */
export function parseRateLimit(text: string): RateLimitSetting {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return "off";
  const fail = (problem: string) => new RateLimitSyntaxError({ text, problem });
  if (trimmed === "") throw fail("it is empty");
  const limit: { recordsPerSecond?: number; requestsPerSecond?: number } = {};
  for (const part of trimmed.split(",").map((p) => p.trim())) {
    const match = PART.exec(part);
    if (match === null) throw fail(`\`${part}\` is not "<n> records/s" or "<n> requests/s"`);
    const key = UNITS[match[2]!.toLowerCase() as keyof typeof UNITS];
    const n = Number(match[1]);
    if (!(n > 0)) throw fail(`\`${part}\` must be above 0`);
    if (limit[key] !== undefined) throw fail(`${match[2]!.toLowerCase()}s/s is given twice`);
    limit[key] = n;
  }
  return limit;
}

/** The same syntax back, for reports and listings: `"270 records/s"`. */
export function formatRateLimit(limit: RateLimitSetting | undefined): string {
  if (limit === undefined || limit === "off") return "off";
  const parts: string[] = [];
  if (limit.recordsPerSecond !== undefined) parts.push(`${limit.recordsPerSecond} records/s`);
  if (limit.requestsPerSecond !== undefined) parts.push(`${limit.requestsPerSecond} requests/s`);
  return parts.join(", ");
}
