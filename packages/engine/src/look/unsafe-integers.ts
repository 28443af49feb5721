// JSON.parse rounds an integer literal beyond 2^53 - 1 to the nearest double: customer ids
// 9007199254740993 and 9007199254740992 both become 9007199254740992, and two people would be
// merged into one profile. Such literals are turned into strings of the same digits before
// parsing: identity rules, which send ids as strings, then send them exactly, and integer rules
// refuse them with a reason instead of sending a rounded number.

import { BACKSLASH, QUOTE } from "./json-bytes.js";

/**
 * Whether a value JSON.parse gave holds a number beyond ±(2^53 - 1), which it may have rounded: the
 * cheap test, after parsing, that keeps the usual row on the fast path (walking a parsed row costs
 * less than scanning its text). Walked with a stack, not recursion: a cell may be nested at any depth.
 */
export function holdsUnsafeNumber(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) return true;
    } else if (typeof v === "object" && v !== null) {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") stack.push(v[i]);
      } else {
        for (const key in v) {
          const child = (v as Record<string, unknown>)[key];
          if (typeof child !== "string") stack.push(child);
        }
      }
    }
  }
  return false;
}

const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** Bytes that continue a number token: digits, `.`, `e`, `E`, `+`, `-`. */
function inNumber(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}

/** Whether bytes[start, end) is a well-formed JSON integer literal (`-?(0|[1-9][0-9]*)`) outside ±(2^53 - 1). */
function isUnsafeInteger(bytes: Uint8Array, start: number, end: number): boolean {
  const first = bytes[start] === MINUS ? start + 1 : start;
  if (end - first < 16 || bytes[first] === ZERO) return false;
  for (let i = first; i < end; i++) if (bytes[i]! < ZERO || bytes[i]! > NINE) return false;
  let digits = "";
  for (let i = start; i < end; i++) digits += String.fromCharCode(bytes[i]!);
  return !Number.isSafeInteger(Number(digits));
}

/**
 * The JSON bytes with every integer literal beyond ±(2^53 - 1) outside strings put in quotes, or
 * the same array when there is none. Malformed JSON stays malformed: only well-formed integer
 * literals are quoted.
 */
export function quoteUnsafeIntegers(bytes: Uint8Array): Uint8Array {
  const spans: number[] = [];
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // Skip the string, escapes included.
      for (i++; i < n; i++) {
        const d = bytes[i]!;
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      i++;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const start = i;
      while (i < n && inNumber(bytes[i]!)) i++;
      if (isUnsafeInteger(bytes, start, i)) spans.push(start, i);
    } else {
      i++;
    }
  }
  if (spans.length === 0) return bytes;
  const out = new Uint8Array(n + spans.length);
  let from = 0;
  let to = 0;
  for (let s = 0; s < spans.length; s += 2) {
    const start = spans[s]!;
    const end = spans[s + 1]!;
    out.set(bytes.subarray(from, start), to);
    to += start - from;
    out[to++] = QUOTE;
    out.set(bytes.subarray(start, end), to);
    to += end - start;
    out[to++] = QUOTE;
    from = end;
  }
  out.set(bytes.subarray(from), to);
  return out;
}
