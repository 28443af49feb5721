// Finds where one JSON value ends in a stream of byte chunks, without building it.
// It tracks only strings, escapes and bracket nesting; the bytes it delimits are later handed
// to JSON.parse (which validates them) or dropped (members the engine does not read).

import { BACKSLASH, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, SCALAR_BYTE, malformedAt, startsValue } from "./json-bytes.js";

/** Returned by `begin`/`resume` when the chunk ended before the value did. */
export const INCOMPLETE = -1;

export class JsonValueScanner {
  /** Expected closing byte for each open container, innermost last. */
  private closers = new Uint8Array(32);
  private depth = 0;
  private inString = false;
  private inScalar = false;
  /** Bytes of an escape sequence still to skip at the start of the next chunk (0 or 1). */
  private skip = 0;
  /** Set once the value is nested deeper than `maxStack`: it is scanned by `scanDeep` to its end. */
  private deep = false;
  /** Levels open beyond the closer stack (in `scanDeep`): counted only, their brackets not matched. */
  private untyped = 0;

  /**
   * `maxStack`: the most levels whose closing brackets are kept (one byte each). A value nested
   * deeper is still delimited, by counting the levels past it, so a value too large to keep
   * (a row over the reader's limit, skipped unread) cannot make the stack grow without bound.
   */
  constructor(private readonly maxStack = Infinity) {}

  /**
   * Starts a value whose first byte is `buf[i]`. Returns the index just past its end, or
   * INCOMPLETE (then call `resume` with the next chunk). `base` is the document offset of
   * `buf[0]`, for error messages.
   */
  begin(buf: Uint8Array, i: number, base: number): number {
    const c = buf[i]!;
    if (!startsValue(c)) throw malformedAt(base + i, c, "a value");
    this.depth = 0;
    this.skip = 0;
    this.inString = false;
    this.inScalar = false;
    this.deep = false;
    if (c === QUOTE) {
      this.inString = true;
    } else if (c === LBRACE || c === LBRACKET) {
      this.closers[0] = c === LBRACE ? RBRACE : RBRACKET;
      this.depth = 1;
    } else {
      this.inScalar = true;
      return this.scanScalar(buf, i + 1);
    }
    return this.scan(buf, i + 1, base);
  }

  /** Continues an unfinished value at the start of the next chunk. */
  resume(buf: Uint8Array, base: number): number {
    if (this.inScalar) return this.scanScalar(buf, 0);
    const start = this.skip;
    this.skip = 0;
    if (start >= buf.length) {
      this.skip = start - buf.length;
      return INCOMPLETE;
    }
    return this.deep ? this.scanDeep(buf, start, base) : this.scan(buf, start, base);
  }

  /** A bare literal (number, true, false, null) ends at the first byte that cannot belong to it. */
  private scanScalar(buf: Uint8Array, i: number): number {
    const n = buf.length;
    while (i < n && SCALAR_BYTE[buf[i]!] === 1) i++;
    if (i === n) return INCOMPLETE;
    this.inScalar = false;
    return i;
  }

  private scan(buf: Uint8Array, i: number, base: number): number {
    const n = buf.length;
    const closers = this.closers;
    let depth = this.depth;
    let inString = this.inString;
    while (i < n) {
      if (inString) {
        // Most of a row's bytes are inside strings: look only for the closing quote and escapes.
        let c = 0;
        while (i < n) {
          c = buf[i]!;
          if (c === QUOTE || c === BACKSLASH) break;
          i++;
        }
        if (i >= n) break;
        if (c === BACKSLASH) {
          i += 2; // may step past the chunk; `skip` carries the remainder
          continue;
        }
        i++;
        inString = false;
        if (depth === 0) {
          this.inString = false;
          return i;
        }
        continue;
      }
      const c = buf[i]!;
      if (c === QUOTE) {
        inString = true;
      } else if (c === LBRACE || c === LBRACKET) {
        if (depth === closers.length) {
          if (depth >= this.maxStack) return this.enterDeep(buf, i, base, depth);
          const grown = new Uint8Array(Math.min(closers.length * 2, this.maxStack));
          grown.set(closers);
          this.closers = grown;
          return this.continueAfterGrow(buf, i, base, depth, c);
        }
        closers[depth++] = c === LBRACE ? RBRACE : RBRACKET;
      } else if (c === RBRACE || c === RBRACKET) {
        if (closers[depth - 1] !== c) {
          throw malformedAt(base + i, c, `'${String.fromCharCode(closers[depth - 1]!)}'`);
        }
        if (--depth === 0) {
          this.depth = 0;
          return i + 1;
        }
      }
      i++;
    }
    this.skip = i - n;
    this.depth = depth;
    this.inString = inString;
    return INCOMPLETE;
  }

  /** Rarest path: nesting deeper than `maxStack`; the rest of the value is scanned by `scanDeep`. */
  private enterDeep(buf: Uint8Array, i: number, base: number, depth: number): number {
    this.deep = true;
    this.depth = depth;
    this.untyped = 0;
    this.inString = false;
    return this.scanDeep(buf, i, base);
  }

  /**
   * `scan` with levels past the closer stack counted rather than kept. Slower per byte, and used
   * only for a value that went past `maxStack`: one loop to the value's end, so nesting that goes
   * past the limit and back many times costs no recursion.
   */
  private scanDeep(buf: Uint8Array, i: number, base: number): number {
    const n = buf.length;
    const closers = this.closers;
    let depth = this.depth;
    let untyped = this.untyped;
    let inString = this.inString;
    while (i < n) {
      const c = buf[i]!;
      if (inString) {
        if (c === BACKSLASH) {
          i += 2; // may step past the chunk; `skip` carries the remainder
          continue;
        }
        if (c === QUOTE) inString = false;
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === LBRACE || c === LBRACKET) {
        if (untyped > 0 || depth === closers.length) untyped++;
        else closers[depth++] = c === LBRACE ? RBRACE : RBRACKET;
      } else if (c === RBRACE || c === RBRACKET) {
        if (untyped > 0) {
          untyped--;
        } else {
          if (closers[depth - 1] !== c) throw malformedAt(base + i, c, `'${String.fromCharCode(closers[depth - 1]!)}'`);
          if (--depth === 0) {
            this.depth = 0;
            this.deep = false;
            this.inString = false;
            return i + 1;
          }
        }
      }
      i++;
    }
    this.skip = i - n;
    this.depth = depth;
    this.untyped = untyped;
    this.inString = inString;
    return INCOMPLETE;
  }

  /** Rare path: nesting deeper than the closer stack; resumes the scan with the grown stack. */
  private continueAfterGrow(buf: Uint8Array, i: number, base: number, depth: number, c: number): number {
    this.closers[depth] = c === LBRACE ? RBRACE : RBRACKET;
    this.depth = depth + 1;
    this.inString = false;
    return this.scan(buf, i + 1, base);
  }
}
