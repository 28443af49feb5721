// Lengths as an API counts them. A JavaScript string's `length` counts UTF-16 code units, so an
// emoji is 2; most APIs count characters (code points), some count UTF-8 bytes. Cutting a string
// never splits a code point: a lone surrogate is invalid on the wire.

import type { ValueRule } from "../generated/manifest.js";

export type LengthUnit = NonNullable<ValueRule["lengthUnit"]>;

/** The unit's name in messages: "characters", "UTF-16 code units", "bytes (UTF-8)". */
export function unitName(unit: LengthUnit): string {
  switch (unit) {
    case "utf16":
      return "UTF-16 code units";
    case "utf8Bytes":
      return "bytes (UTF-8)";
    default:
      return "characters";
  }
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Units one code point starting at `i` takes, and how many UTF-16 units it spans. */
function codePointAt(text: string, i: number): { span: 1 | 2; code: number } {
  const c = text.charCodeAt(i);
  if (isHigh(c) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) return { span: 2, code: c };
  return { span: 1, code: c };
}

function unitsOf(span: 1 | 2, code: number, unit: LengthUnit): number {
  if (unit === "utf16") return span;
  if (unit === "codePoints") return 1;
  if (span === 2) return 4;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
}

/** The length of `text` in `unit`. */
export function lengthIn(text: string, unit: LengthUnit): number {
  if (unit === "utf16") return text.length;
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const { span, code } = codePointAt(text, i);
    n += unitsOf(span, code, unit);
    i += span;
  }
  return n;
}

/** Whether `text` is longer than `max` in `unit`, without counting when its UTF-16 length settles it. */
export function isLongerThan(text: string, max: number, unit: LengthUnit): boolean {
  // A code point is 1 or 2 UTF-16 units and 1 to 4 UTF-8 bytes (at most 3 per UTF-16 unit).
  if (unit === "codePoints" ? text.length <= max : unit === "utf8Bytes" ? text.length * 3 <= max : false) return false;
  return lengthIn(text, unit) > max;
}

/** Whether `text` is shorter than `min` in `unit`. */
export function isShorterThan(text: string, min: number, unit: LengthUnit): boolean {
  if (unit !== "utf8Bytes" && text.length < min) return true;
  return lengthIn(text, unit) < min;
}

/** The longest start of `text` at most `max` units long that ends on a code point boundary. */
export function truncateTo(text: string, max: number, unit: LengthUnit): string {
  let n = 0;
  let i = 0;
  while (i < text.length) {
    const { span, code } = codePointAt(text, i);
    const units = unitsOf(span, code, unit);
    if (n + units > max) break;
    n += units;
    i += span;
  }
  return text.slice(0, i);
}
