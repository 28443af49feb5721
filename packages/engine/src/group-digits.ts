// Numbers in messages, as `1,234,567`. `toLocaleString("en-US")` gave the same text but made Node
// map its ICU locale data: about 5.6 MB more resident memory for the process, for a comma.

/** `1234567` -> `1,234,567`; fractions keep up to three digits (`2.5`, `0.123`). */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole, fraction] = String(Math.round(Math.abs(n) * 1000) / 1000).split(".") as [string, string | undefined];
  return `${n < 0 ? "-" : ""}${whole.replace(/\B(?=(\d{3})+$)/g, ",")}${fraction === undefined ? "" : `.${fraction}`}`;
}
