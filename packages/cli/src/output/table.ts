import { groupDigits } from "@tagwire/engine/planning";

/** Left-aligned columns separated by two spaces; the last column is never padded. */
export function table(header: ReadonlyArray<string> | undefined, rows: ReadonlyArray<ReadonlyArray<string>>, indent = "  "): string[] {
  const all = header === undefined ? rows : [header, ...rows];
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return all.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}

/** `1234567` -> `1,234,567`, as the engine's summaries write numbers. */
export const count = groupDigits;

/** `1 row`, `2 rows`. */
export const plural = (n: number, word: string, many = `${word}s`): string => `${count(n)} ${n === 1 ? word : many}`;
