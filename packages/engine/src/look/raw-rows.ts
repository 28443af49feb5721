// Rows cut out of the stream but not yet parsed: their bytes back to back in one buffer that can
// be handed (transferred, not copied) to a worker thread, which parses them there.

import { Buffer } from "node:buffer";
import { TextDecoder } from "node:util";
import { grownBytes } from "../grow-bytes.js";
import { LookFormatError } from "./look-format-error.js";
import type { LookRow } from "./types.js";
import { holdsUnsafeNumber, quoteUnsafeIntegers } from "./unsafe-integers.js";

export interface RawRows {
  /** The rows' UTF-8 bytes, back to back; owns its ArrayBuffer, so it may be transferred. */
  readonly bytes: Uint8Array;
  /** Row i is `bytes[ends[i - 1] ?? 0, ends[i])`. */
  readonly ends: Uint32Array;
  /** Document byte offset of each row's first byte, for error messages. */
  readonly offsets: Float64Array;
  /** Number of the first row in the Look, from 1. */
  readonly firstRow: number;
  /** Rows the reader skipped unread (over its size limit), in order: each keeps its place as an empty slice. */
  readonly skipped?: ReadonlyArray<SkippedRow> | undefined;
}

/**
 * A row the reader did not keep: it is rejected in its place, with why, and the rows after it keep
 * their numbers. Plain data, so it crosses to a worker thread with its rows.
 */
export interface SkippedRow {
  /** Its place among the chunk's rows, from 0. */
  readonly index: number;
  readonly reason: string;
  readonly detail: string;
}

/** Parsed rows; a skipped row's place holds an empty object, and `skipped` says which places those are. */
export interface ParsedRows {
  readonly rows: LookRow[];
  readonly skipped?: ReadonlyArray<SkippedRow> | undefined;
}

const MIN_CAPACITY = 64 * 1024;

/**
 * Buffers that came back from a worker, ready for the next rows. Reusing them keeps memory
 * outside the heap from churning: every freed buffer would otherwise wait for a garbage
 * collection, and enough of them force extra collections. Each reader keeps its own.
 */
class SpareBuffers {
  private readonly spare: ArrayBuffer[] = [];

  give(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_SPARE && buffer.byteLength >= MIN_CAPACITY) this.spare.push(buffer);
  }

  take(capacity: number): Uint8Array {
    for (let i = this.spare.length - 1; i >= 0; i--) {
      if (this.spare[i]!.byteLength >= capacity) return new Uint8Array(this.spare.splice(i, 1)[0]!);
    }
    return new Uint8Array(capacity);
  }
}
const MAX_SPARE = 16;

/** Collects row slices from successive chunks, copying each once. */
export class RawRowsBuilder {
  private readonly spares = new SpareBuffers();
  private bytes = this.spares.take(MIN_CAPACITY);
  private length = 0;
  private ends: number[] = [];
  private offsets: number[] = [];
  private skipped: SkippedRow[] = [];

  get count(): number {
    return this.ends.length;
  }

  add(buf: Uint8Array, start: number, end: number, offset: number): void {
    const needed = this.length + (end - start);
    this.bytes = grownBytes(this.bytes, this.length, needed);
    this.bytes.set(buf.subarray(start, end), this.length);
    this.length = needed;
    this.ends.push(needed);
    this.offsets.push(offset);
  }

  /** A row not kept: an empty slice in its place, so the rows after it keep their numbers. */
  skip(offset: number, reason: string, detail: string): void {
    this.skipped.push({ index: this.ends.length, reason, detail });
    this.ends.push(this.length);
    this.offsets.push(offset);
  }

  /** Gives a rows buffer back (after its rows were parsed) for a later take to fill. */
  recycle(buffer: ArrayBuffer): void {
    this.spares.give(buffer);
  }

  /** The rows added since the last take; the next rows go to a fresh buffer sized like this one. */
  take(firstRow: number): RawRows {
    const rows: RawRows = {
      bytes: this.bytes.subarray(0, this.length),
      ends: Uint32Array.from(this.ends),
      offsets: Float64Array.from(this.offsets),
      firstRow,
      // Always present, so every chunk has the same shape for the code that reads it.
      skipped: this.skipped.length > 0 ? this.skipped : undefined,
    };
    this.bytes = this.spares.take(Math.max(MIN_CAPACITY, Math.ceil(this.length * 1.25)));
    this.length = 0;
    this.ends = [];
    this.offsets = [];
    if (this.skipped.length > 0) this.skipped = [];
    return rows;
  }
}

/** Rows cut but not parsed, as opposed to rows already parsed (a CSV source gives those). */
export function isRawRows(rows: RawRows | ReadonlyArray<LookRow>): rows is RawRows {
  return !Array.isArray(rows);
}

/** How many rows a chunk holds, parsed or not. */
export function rowCount(rows: RawRows | ReadonlyArray<LookRow>): number {
  return isRawRows(rows) ? rows.ends.length : rows.length;
}

/**
 * Parses each raw row with its own JSON.parse call (rows stay one-byte strings unless they
 * themselves hold non-ASCII text, which V8 parses fastest) and hands it to `each`; a row the
 * reader skipped goes to `skip` instead. An integer beyond 2^53 - 1 arrives as the string of its
 * digits, not rounded. Stops at the first malformed row and returns its error.
 */
export function eachRawRow(
  raw: RawRows,
  decoder: TextDecoder,
  firstRow: number,
  each: (row: LookRow, index: number) => void,
  skip: (skipped: SkippedRow) => void,
): LookFormatError | undefined {
  const skipped = raw.skipped;
  let nextSkip = skipped === undefined ? -1 : skipped[0]!.index;
  let k = 0;
  let start = 0;
  for (let i = 0; i < raw.ends.length; i++) {
    const end = raw.ends[i]!;
    if (i === nextSkip) {
      skip(skipped![k]!);
      nextSkip = ++k < skipped!.length ? skipped![k]!.index : -1;
      start = end;
      continue;
    }
    const bytes = raw.bytes.subarray(start, end);
    const text = decoder.decode(bytes);
    start = end;
    let row: LookRow;
    try {
      row = JSON.parse(text) as LookRow;
      // Parsed again, from text with those integers in quotes, only when a number may have been rounded.
      if (holdsUnsafeNumber(row)) row = JSON.parse(exactIntegers(bytes, text, decoder)) as LookRow;
    } catch (error) {
      // Quoting keeps malformed JSON malformed: the original text gives the message and the offset.
      return malformedJson(parseError(text) ?? error, text, raw.offsets[i]!, `row ${firstRow + i}`);
    }
    each(row, i);
  }
  return undefined;
}

/** The row's text with its unsafe integers as strings of their digits (see unsafe-integers.ts). */
function exactIntegers(bytes: Uint8Array, text: string, decoder: TextDecoder): string {
  const quoted = quoteUnsafeIntegers(bytes);
  return quoted === bytes ? text : decoder.decode(quoted);
}

function parseError(text: string): unknown {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** All the rows parsed (a skipped one as an empty object in its place); those before a malformed row are returned along with its error. */
export function parseRawRows(raw: RawRows, decoder: TextDecoder = sharedDecoder): ParsedRows & { error?: LookFormatError } {
  const rows: LookRow[] = [];
  const error = eachRawRow(raw, decoder, raw.firstRow, (row) => rows.push(row), () => rows.push({}));
  const skipped = raw.skipped !== undefined ? { skipped: raw.skipped } : {};
  return error === undefined ? { rows, ...skipped } : { rows, ...skipped, error };
}

const sharedDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Turns a JSON.parse failure on a slice into a message with the document byte offset. */
export function malformedJson(error: unknown, text: string, startOffset: number, what: string): LookFormatError {
  // V8 may quote the row text; drop the quote so customer data does not end up in logs.
  const message = (error instanceof Error ? error.message : String(error)).replace(/, ".*" is not valid JSON$/s, "");
  // V8 gives a character position for some errors only; convert it to a document byte offset.
  const position = /at position (\d+)/.exec(message);
  if (position === null) return new LookFormatError(`Look JSON is malformed in ${what} (starting at byte ${startOffset}): ${message}`);
  const at = startOffset + Buffer.byteLength(text.slice(0, Number(position[1])));
  return new LookFormatError(`Look JSON is malformed at byte ${at} (in ${what}): ${message}`);
}
