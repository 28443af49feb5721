// Turns the inside of a JSON string (an inline Look in `attachment.data`) into the UTF-8 bytes it
// stands for, chunk by chunk. It works byte by byte into fixed-size pieces: an inline Look escapes
// every quote of its rows, so an allocation or a lookup object per escape made this the server's
// costliest step on its own thread.

import { INCOMPLETE, jsonBytes } from "@tagwire/engine";
import { BadRequest } from "./execute-request.js";

const { BACKSLASH, QUOTE } = jsonBytes;
const LETTER_U = 0x75;
/** U+FFFD, what a lone surrogate becomes in UTF-8 (as JSON.parse then Buffer.from give it). */
const REPLACEMENT = 0xfffd;

/** The byte a one-letter escape stands for, by the letter's byte; -1 where there is no such escape. */
const SIMPLE_ESCAPES: Readonly<Int16Array> = (() => {
  const table = new Int16Array(128).fill(-1);
  const pairs: Array<[string, number]> = [['"', 0x22], ["\\", 0x5c], ["/", 0x2f], ["b", 0x08], ["f", 0x0c], ["n", 0x0a], ["r", 0x0d], ["t", 0x09]];
  for (const [letter, byte] of pairs) table[letter.charCodeAt(0)] = byte;
  return table;
})();

/** Escapes may be cut anywhere by a chunk boundary, and `\uD83D\uDE00` pairs become one four-byte character. */
export class StringUnescaper {
  /** An escape cut by the end of a chunk, kept as text (one character per byte). */
  private pending = "";
  private highSurrogate: number | undefined;
  private out: Uint8Array[] = [];
  private piece: Uint8Array;
  private length = 0;

  constructor(private readonly pieceBytes: number) {
    this.piece = new Uint8Array(pieceBytes);
  }

  /** Unescapes from `i`; returns the whole pieces so far and the index past the closing quote, or INCOMPLETE. */
  run(buf: Uint8Array, i: number): { out: Uint8Array[]; end: number } {
    let end = INCOMPLETE;
    const n = buf.length;
    while (i < n) {
      if (this.pending !== "") {
        this.pending += String.fromCharCode(buf[i]!);
        i++;
        this.finishPending();
        continue;
      }
      const c = buf[i]!;
      if (c === QUOTE) {
        end = i + 1;
        break;
      }
      if (c < 0x20) throw new BadRequest("The request body is not valid JSON: a control character inside attachment.data.");
      if (c === BACKSLASH && simpleEscapeAt(buf, i) < 0) {
        i = this.longEscape(buf, i);
        continue;
      }
      if (this.highSurrogate !== undefined) this.flushSurrogate();
      i = this.copyPlain(buf, i);
    }
    if (end !== INCOMPLETE) {
      if (this.pending !== "") throw new BadRequest("The request body is not valid JSON: an escape cut short in attachment.data.");
      this.flushSurrogate();
      this.flushPiece();
    }
    const out = this.out;
    this.out = [];
    return { out, end };
  }

  /**
   * Copies plain bytes and one-letter escapes from `i` (most of a Look) straight into the piece;
   * returns where it stops: at a quote, a `\u` escape, an escape cut by the chunk's end or a
   * control character, which `run` handles.
   */
  private copyPlain(buf: Uint8Array, i: number): number {
    let piece = this.piece;
    let length = this.length;
    const n = buf.length;
    while (i < n) {
      let c = buf[i]!;
      if (c === BACKSLASH) {
        c = simpleEscapeAt(buf, i);
        if (c < 0) break;
        i += 2;
      } else if (c === QUOTE || c < 0x20) {
        break;
      } else {
        i++;
      }
      piece[length++] = c;
      if (length === piece.length) {
        this.length = length;
        this.flushPiece();
        piece = this.piece;
        length = 0;
      }
    }
    this.length = length;
    return i;
  }

  /** A `\uXXXX` escape at `i`, a bad one, or one cut by the chunk's end (kept in `pending`); returns where reading goes on. */
  private longEscape(buf: Uint8Array, i: number): number {
    const size = i + 1 < buf.length && buf[i + 1] === LETTER_U ? 6 : 2;
    if (i + size > buf.length) {
      this.pending = String.fromCharCode(...buf.subarray(i));
      return buf.length;
    }
    this.escape(buf, i, size);
    return i + size;
  }

  /** Completes `pending` once it holds a whole escape. */
  private finishPending(): void {
    const p = this.pending;
    if (p.length < 2 || (p.charCodeAt(1) === LETTER_U && p.length < 6)) return;
    this.pending = "";
    this.escape(Buffer.from(p, "latin1"), 0, p.length);
  }

  /** The escape of `size` bytes at `at` (`\x` or `\uXXXX`). */
  private escape(buf: Uint8Array, at: number, size: number): void {
    const letter = buf[at + 1]!;
    if (letter !== LETTER_U) {
      const byte = letter < SIMPLE_ESCAPES.length ? SIMPLE_ESCAPES[letter]! : -1;
      if (byte < 0) throw notAnEscape(buf, at, size);
      this.flushSurrogate();
      this.byte(byte);
      return;
    }
    const unit = hexUnit(buf, at + 2);
    if (unit < 0) throw notAnEscape(buf, at, size);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      this.flushSurrogate();
      this.highSurrogate = unit;
      return;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff && this.highSurrogate !== undefined) {
      const high = this.highSurrogate;
      this.highSurrogate = undefined;
      this.codePoint(0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
      return;
    }
    this.flushSurrogate();
    this.codePoint(unit);
  }

  /** A high surrogate with no low one after it: as JSON.parse gives it, then encoded (U+FFFD). */
  private flushSurrogate(): void {
    if (this.highSurrogate === undefined) return;
    this.highSurrogate = undefined;
    this.codePoint(REPLACEMENT);
  }

  /** Writes a code point as UTF-8; a lone surrogate as U+FFFD. */
  private codePoint(cp: number): void {
    if (cp >= 0xd800 && cp <= 0xdfff) cp = REPLACEMENT;
    if (cp < 0x80) {
      this.byte(cp);
    } else if (cp < 0x800) {
      this.byte(0xc0 | (cp >> 6));
      this.byte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      this.byte(0xe0 | (cp >> 12));
      this.byte(0x80 | ((cp >> 6) & 0x3f));
      this.byte(0x80 | (cp & 0x3f));
    } else {
      this.byte(0xf0 | (cp >> 18));
      this.byte(0x80 | ((cp >> 12) & 0x3f));
      this.byte(0x80 | ((cp >> 6) & 0x3f));
      this.byte(0x80 | (cp & 0x3f));
    }
  }

  private byte(b: number): void {
    this.piece[this.length++] = b;
    if (this.length === this.piece.length) this.flushPiece();
  }

  /** Hands on the piece: a full one as it is (a new one takes its place), a partial one copied. */
  private flushPiece(): void {
    if (this.length === 0) return;
    if (this.length === this.piece.length) {
      this.out.push(this.piece);
      this.piece = new Uint8Array(this.pieceBytes);
    } else {
      this.out.push(this.piece.slice(0, this.length));
    }
    this.length = 0;
  }
}

/** The byte of the one-letter escape whose backslash is at `i`; -1 when it is not one or is cut by the chunk's end. */
function simpleEscapeAt(buf: Uint8Array, i: number): number {
  if (i + 1 >= buf.length) return -1;
  const letter = buf[i + 1]!;
  return letter < SIMPLE_ESCAPES.length ? SIMPLE_ESCAPES[letter]! : -1;
}

/** The UTF-16 unit of the four hex digits at `at`; -1 when they are not four hex digits. */
function hexUnit(buf: Uint8Array, at: number): number {
  let unit = 0;
  for (let k = at; k < at + 4; k++) {
    const c = buf[k]!;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

function notAnEscape(buf: Uint8Array, at: number, size: number): BadRequest {
  return new BadRequest(`The request body is not valid JSON: \`${String.fromCharCode(...buf.subarray(at, at + size))}\` is not an escape.`);
}
