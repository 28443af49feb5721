// Byte values and small functions shared by the Look scanners. JSON's structural characters are all
// ASCII, and UTF-8 never reuses ASCII byte values inside multi-byte characters, so scanning raw
// bytes for them is safe without decoding.

import { LookFormatError } from "./look-format-error.js";

export const QUOTE = 0x22; // "
export const BACKSLASH = 0x5c; // \
export const COMMA = 0x2c; // ,
export const COLON = 0x3a; // :
export const LBRACE = 0x7b; // {
export const RBRACE = 0x7d; // }
export const LBRACKET = 0x5b; // [
export const RBRACKET = 0x5d; // ]

export function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Bytes that may appear in a bare JSON literal: numbers, true, false, null. */
export const SCALAR_BYTE = new Uint8Array(256);
for (const ch of "0123456789+-.eEtruefalsnETRUEFALSN") SCALAR_BYTE[ch.charCodeAt(0)] = 1;

/** Bytes that may begin a JSON value. */
export function startsValue(c: number): boolean {
  return c === LBRACE || c === LBRACKET || c === QUOTE || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e;
}

export function describeByte(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  if (c === 0x20) return "a space";
  return `byte 0x${c.toString(16).padStart(2, "0")}`;
}

export function malformedAt(byteOffset: number, c: number, expected?: string): LookFormatError {
  const tail = expected === undefined ? "" : `, expected ${expected}`;
  return new LookFormatError(`Look JSON is malformed at byte ${byteOffset}: unexpected ${describeByte(c)}${tail}`);
}

export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
