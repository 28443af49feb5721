// Incremental reader for Looker's json_detail (and json_detail_lite_stream) documents.
//
// A byte-level scan finds the boundaries of each top-level member and of each element of the
// top-level `data` array; only those slices are kept. Members the engine does not use (`sql` can
// be large) are skipped without being parsed or kept. Rows come out either parsed (`push`) or as
// raw bytes (`pushRaw`) for a worker thread to parse, which leaves this thread only the scan.
// Each row gets its own JSON.parse call. Joining a chunk's rows into one call measured slower:
// a single non-ASCII character makes the whole joined string two-byte, while most individual
// rows stay one-byte strings, which V8 decodes and parses faster.
// Memory stays bounded by one chunk plus the one unfinished value. A row larger than the limit is
// not kept: the scan goes on to its end keeping nothing of it, and it is rejected in its place
// (see SkippedRow), so one oversize row costs that row only, never the rest of the Look.

import { TextDecoder, TextEncoder } from "node:util";
import { groupDigits } from "../group-digits.js";
import { ByteCarry } from "./byte-carry.js";
import {
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
  formatBytes,
  isJsonWhitespace,
  malformedAt,
} from "./json-bytes.js";
import { INCOMPLETE, JsonValueScanner } from "./json-value-scanner.js";
import { LookFormatError } from "./look-format-error.js";
import { malformedJson, parseRawRows, RawRowsBuilder, type ParsedRows, type RawRows } from "./raw-rows.js";
import { toLookFields } from "./look-fields.js";
import type { LookHeader, LookRow } from "./types.js";

export interface JsonDetailParserOptions {
  /**
   * Largest row kept; a larger one is skipped unread and rejected on its own. Also the limit for
   * the `fields` and `ran_at` members, which end the read. Default 8 MiB.
   */
  maxRowBytes?: number;
  /** Rows held while waiting for a `fields` member that comes after `data`. Default 10,000. */
  maxBufferedRowsBeforeFields?: number;
}

export const DEFAULT_MAX_ROW_BYTES = 8 * 1024 * 1024;
/** The variable both runtimes read the row limit from; messages about the limit name it. */
export const MAX_ROW_BYTES_VARIABLE = "TAGWIRE_MAX_ROW_BYTES";
/** A row is parsed whole: past this, one row alone would take the memory a server has. */
const MAX_ROW_BYTES_CEILING = 256 * 1024 * 1024;

/** The row limit an environment sets (the default when unset); throws, naming the variable, on a bad value. */
export function maxRowBytesFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[MAX_ROW_BYTES_VARIABLE];
  if (raw === undefined || raw.trim() === "") return DEFAULT_MAX_ROW_BYTES;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || n < 1024 || n > MAX_ROW_BYTES_CEILING) {
    throw new RangeError(`${MAX_ROW_BYTES_VARIABLE} must be a whole number of bytes from 1024 to ${MAX_ROW_BYTES_CEILING}, not \`${raw.slice(0, 40)}\`.`);
  }
  return n;
}
export const DEFAULT_MAX_BUFFERED_ROWS_BEFORE_FIELDS = 10_000;

const ST_BEFORE_DOCUMENT = 0; // expecting '{'
const ST_FIRST_KEY = 1; // after '{': a member name or '}'
const ST_KEY = 2; // after ',': a member name
const ST_IN_KEY = 3;
const ST_COLON = 4;
const ST_MEMBER_VALUE = 5; // after ':'
const ST_IN_MEMBER_VALUE = 6;
const ST_AFTER_MEMBER = 7; // ',' or '}'
const ST_FIRST_ROW = 8; // after "data": [ : a row or ']'
const ST_ROW = 9; // after ',' inside data: a row
const ST_IN_ROW = 10;
const ST_AFTER_ROW = 11; // ',' or ']'
const ST_AFTER_DOCUMENT = 12;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

export class JsonDetailParser {
  private readonly maxRowBytes: number;
  private readonly maxBufferedRows: number;

  private state = ST_BEFORE_DOCUMENT;
  /** Document offset of the current chunk's first byte. */
  private offset = 0;
  private bomBytes = 0;
  /** Name of the member being read. */
  private key = "";
  private readonly scanner: JsonValueScanner;
  private readonly carry = new ByteCarry();
  /**
   * Whether the unfinished value's bytes are kept (rows, keys, fields, ran_at) or dropped (other
   * members, and a row once it is over the limit: see `skipRow`).
   */
  private capturing = false;
  /** Index in the current chunk where the unfinished value began. */
  private valueStart = 0;
  /** Document offset of the unfinished value's first byte. */
  private valueStartOffset = 0;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private encoder: TextEncoder | undefined;

  /** Rows cut but not yet returned (held until `fields` is known). */
  private readonly out = new RawRowsBuilder();
  private parsedRows = 0;
  private returnedRows = 0;

  private lookHeader: LookHeader | undefined;
  private lookRanAt: string | undefined;
  private failure: unknown;
  private ended = false;
  private dataSeen = false;

  constructor(options: JsonDetailParserOptions = {}) {
    this.maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
    this.maxBufferedRows = options.maxBufferedRowsBeforeFields ?? DEFAULT_MAX_BUFFERED_ROWS_BEFORE_FIELDS;
    // A value within the limit cannot be nested deeper than its bytes; one skipped over it may, and its closers are not kept past that.
    this.scanner = new JsonValueScanner(this.maxRowBytes);
  }

  /** Set once the `fields` member has been parsed. */
  get header(): LookHeader | undefined {
    return this.lookHeader;
  }

  /** Looker's `ran_at`, as soon as it has been read. */
  get ranAt(): string | undefined {
    return this.lookRanAt;
  }

  /** Rows cut so far (including any held back until `fields` arrives). */
  get rowsRead(): number {
    return this.parsedRows;
  }

  /**
   * Feeds the next chunk; returns the rows it completed. Returns no rows until `fields` has been
   * read, then everything held back. String chunks must not split a UTF-16 surrogate pair. A row
   * over the size limit is an empty object in its place: `parse(pushRaw(chunk))` says which.
   */
  push(chunk: Uint8Array | string): LookRow[] {
    return this.parse(this.pushRaw(chunk)).rows;
  }

  /** Declares the document complete; throws if it was truncated or had no `fields`. */
  end(): LookRow[] {
    return this.parse(this.endRaw()).rows;
  }

  /** Parses, on this thread, rows `pushRaw` or `endRaw` returned; the rows skipped for their size are named. */
  parse(raw: RawRows | undefined): ParsedRows {
    if (raw === undefined) return { rows: [] };
    const { rows, skipped, error } = parseRawRows(raw, this.decoder);
    if (error !== undefined) {
      this.failure = error;
      throw error;
    }
    return { rows, skipped };
  }

  /** Takes back the buffer of rows this parser returned raw, once they are parsed, to fill again. */
  recycle(buffer: ArrayBuffer): void {
    this.out.recycle(buffer);
  }

  /** Like `push`, with the completed rows left unparsed (each is known to start as an object). */
  pushRaw(chunk: Uint8Array | string): RawRows | undefined {
    this.assertUsable("push");
    const buf = typeof chunk === "string" ? (this.encoder ??= new TextEncoder()).encode(chunk) : chunk;
    return this.guarded(() => {
      if (buf.length > 0) this.scan(buf);
      this.offset += buf.length;
      return this.takeRows();
    });
  }

  /** Like `end`, with the last rows left unparsed. */
  endRaw(): RawRows | undefined {
    this.assertUsable("end");
    this.ended = true;
    return this.guarded(() => {
      if (this.state !== ST_AFTER_DOCUMENT) throw this.truncated();
      if (this.lookHeader === undefined) throw new LookFormatError('Look JSON has no "fields" member');
      return this.takeRows();
    });
  }

  /** A parser that threw stays failed: the stream position after an error is meaningless. */
  private guarded<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private assertUsable(method: string): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.ended) throw new LookFormatError(`JsonDetailParser.${method}() called after end()`);
  }

  private takeRows(): RawRows | undefined {
    if (this.lookHeader === undefined) {
      if (this.out.count > this.maxBufferedRows) {
        throw new LookFormatError(
          `Look JSON has more than ${this.maxBufferedRows} rows before its "fields" member; ` +
            `put "fields" before "data" or raise maxBufferedRowsBeforeFields`,
        );
      }
      return undefined;
    }
    if (this.out.count === 0) return undefined;
    const firstRow = this.returnedRows + 1;
    this.returnedRows += this.out.count;
    return this.out.take(firstRow);
  }

  private scan(buf: Uint8Array): void {
    const n = buf.length;
    const base = this.offset;
    let i = 0;

    // A value left unfinished by the previous chunk continues at byte 0.
    if (this.state === ST_IN_ROW || this.state === ST_IN_KEY || this.state === ST_IN_MEMBER_VALUE) {
      const end = this.scanner.resume(buf, base);
      if (end === INCOMPLETE) {
        this.keepUnfinished(buf, 0);
        return;
      }
      this.finishCarriedValue(buf, end);
      i = end;
    }

    while (i < n) {
      const c = buf[i]!;
      if (isJsonWhitespace(c)) {
        i++;
        continue;
      }
      switch (this.state) {
        case ST_ROW:
        case ST_FIRST_ROW: {
          if (c === RBRACKET && this.state === ST_FIRST_ROW) {
            this.state = ST_AFTER_MEMBER;
            i++;
            break;
          }
          const end = this.scanner.begin(buf, i, base);
          if (end === INCOMPLETE) {
            this.beginUnfinished(i, ST_IN_ROW, true);
            i = n;
            break;
          }
          this.valueStartOffset = base + i;
          if (end - i > this.maxRowBytes) this.skipRow(buf[i]!, end - i);
          else this.addRow(buf, i, end);
          this.state = ST_AFTER_ROW;
          i = end;
          break;
        }
        case ST_AFTER_ROW:
          if (c === COMMA) this.state = ST_ROW;
          else if (c === RBRACKET) this.state = ST_AFTER_MEMBER;
          else throw malformedAt(base + i, c, "',' or ']' in the data array");
          i++;
          break;
        case ST_FIRST_KEY:
        case ST_KEY: {
          if (c === RBRACE && this.state === ST_FIRST_KEY) {
            this.state = ST_AFTER_DOCUMENT;
            i++;
            break;
          }
          if (c !== QUOTE) throw malformedAt(base + i, c, "a member name");
          const end = this.scanner.begin(buf, i, base);
          if (end === INCOMPLETE) {
            this.beginUnfinished(i, ST_IN_KEY, true);
            i = n;
            break;
          }
          this.valueStartOffset = base + i;
          this.finishKey(this.decoder.decode(buf.subarray(i, end)));
          i = end;
          break;
        }
        case ST_COLON:
          if (c !== COLON) throw malformedAt(base + i, c, "':'");
          this.state = ST_MEMBER_VALUE;
          i++;
          break;
        case ST_MEMBER_VALUE: {
          if (this.key === "data") {
            // Rows already streamed cannot be taken back, so a second "data" (which JSON.parse would let win) is refused.
            if (this.dataSeen) throw new LookFormatError('Look JSON has more than one "data" member');
            this.dataSeen = true;
          }
          if (c === LBRACKET && this.key === "data") {
            this.state = ST_FIRST_ROW;
            i++;
            break;
          }
          const capture = this.key === "fields" || this.key === "ran_at" || this.key === "data";
          const end = this.scanner.begin(buf, i, base);
          if (end === INCOMPLETE) {
            this.beginUnfinished(i, ST_IN_MEMBER_VALUE, capture);
            i = n;
            break;
          }
          this.valueStartOffset = base + i;
          if (capture && end - i > this.maxRowBytes) throw this.memberTooLarge();
          this.finishMember(capture ? this.decoder.decode(buf.subarray(i, end)) : undefined);
          i = end;
          break;
        }
        case ST_AFTER_MEMBER:
          if (c === COMMA) this.state = ST_KEY;
          else if (c === RBRACE) this.state = ST_AFTER_DOCUMENT;
          else throw malformedAt(base + i, c, "',' or '}' after a member");
          i++;
          break;
        case ST_BEFORE_DOCUMENT:
          if (base + i === this.bomBytes && c === UTF8_BOM[this.bomBytes]) {
            this.bomBytes++; // tolerate a UTF-8 byte order mark
          } else if (c === LBRACE && (this.bomBytes === 0 || this.bomBytes === UTF8_BOM.length)) {
            this.state = ST_FIRST_KEY;
          } else if (c === LBRACKET) {
            throw new LookFormatError(
              'Look JSON is a bare array; expected a json_detail object with "fields" and "data" members',
            );
          } else {
            throw malformedAt(base + i, c, "'{' (a json_detail object)");
          }
          i++;
          break;
        case ST_AFTER_DOCUMENT:
          throw malformedAt(base + i, c, "nothing after the closing '}'");
        default:
          throw new Error(`JsonDetailParser: unexpected state ${this.state}`);
      }
    }

    if (this.state === ST_IN_ROW || this.state === ST_IN_KEY || this.state === ST_IN_MEMBER_VALUE) {
      this.keepUnfinished(buf, this.valueStart);
    }
  }

  private beginUnfinished(start: number, state: number, capture: boolean): void {
    this.state = state;
    this.capturing = capture;
    this.valueStart = start;
    this.valueStartOffset = this.offset + start;
  }

  /**
   * Keeps the unfinished value's bytes from `start` to the end of the chunk, within the size limit.
   * A row that goes over it is dropped from here on: the scanner alone follows it to its end.
   */
  private keepUnfinished(buf: Uint8Array, start: number): void {
    if (!this.capturing) return;
    if (this.carry.length + (buf.length - start) > this.maxRowBytes) {
      if (this.state !== ST_IN_ROW) throw this.memberTooLarge();
      this.dropRow(this.carry.length > 0 ? this.carry.view()[0]! : buf[start]!);
      return;
    }
    this.carry.append(start === 0 ? buf : buf.subarray(start));
  }

  /** Stops keeping the unfinished row's bytes; it is rejected when the scanner finds its end. */
  private dropRow(first: number): void {
    if (first !== LBRACE) throw this.notAnObject(this.parsedRows + 1, this.valueStartOffset);
    this.carry.clear();
    this.capturing = false;
  }

  /** Completes a value that began in an earlier chunk and ends at `end` in this one. */
  private finishCarriedValue(buf: Uint8Array, end: number): void {
    let text: string | undefined;
    if (this.capturing) {
      if (this.carry.length + end > this.maxRowBytes) {
        if (this.state !== ST_IN_ROW) throw this.memberTooLarge();
        const first = this.carry.view()[0]!;
        const size = this.carry.length + end;
        this.carry.clear();
        this.skipRow(first, size);
        return;
      }
      this.carry.append(buf.subarray(0, end));
      if (this.state === ST_IN_ROW) {
        const row = this.carry.view();
        this.addRow(row, 0, row.length);
        this.carry.clear();
        this.state = ST_AFTER_ROW;
        return;
      }
      text = this.decoder.decode(this.carry.view());
      this.carry.clear();
    }
    if (this.state === ST_IN_KEY) {
      this.finishKey(text!);
    } else if (this.state === ST_IN_ROW) {
      // Not captured: a row dropped for its size (dropRow), which ends here.
      this.skipRow(LBRACE, this.offset + end - this.valueStartOffset);
    } else {
      this.finishMember(text);
    }
  }

  private finishKey(text: string): void {
    this.key = this.parseValue(text, this.valueStartOffset, "a member name") as string;
    this.state = ST_COLON;
  }

  /** Handles a complete top-level member other than a `data` array; `text` is undefined when skipped. */
  private finishMember(text: string | undefined): void {
    this.state = ST_AFTER_MEMBER;
    if (text === undefined) return;
    const value = this.parseValue(text, this.valueStartOffset, `the "${this.key}" member`);
    if (this.key === "fields") {
      if (this.lookHeader !== undefined) throw new LookFormatError('Look JSON has more than one "fields" member');
      this.lookHeader = { fields: toLookFields(value) };
      if (this.lookRanAt !== undefined) this.lookHeader.ranAt = this.lookRanAt;
    } else if (this.key === "ran_at") {
      // Lenient: a non-string ran_at is treated as absent.
      this.lookRanAt = typeof value === "string" ? value : undefined;
      if (this.lookHeader !== undefined) {
        if (this.lookRanAt === undefined) delete this.lookHeader.ranAt;
        else this.lookHeader.ranAt = this.lookRanAt;
      }
    } else if (this.key === "data" && value !== null) {
      // Named by type only: the value may be customer data, and a deeply nested one cannot be stringified.
      const found = typeof value === "object" ? "an object" : `a ${typeof value}`;
      throw new LookFormatError(`Look JSON "data" member must be an array of rows, found ${found}`);
    }
  }

  /** Keeps a row's bytes; its first byte says whether it is an object, JSON.parse checks the rest later. */
  private addRow(buf: Uint8Array, start: number, end: number): void {
    if (buf[start] !== LBRACE) throw this.notAnObject(this.parsedRows + 1, this.valueStartOffset);
    this.parsedRows++;
    this.out.add(buf, start, end, this.valueStartOffset);
  }

  /**
   * Rejects a complete row of `size` bytes (first byte `first`) that is over the limit, in its
   * place: the reason is the same for every such row, so the report counts them together.
   */
  private skipRow(first: number, size: number): void {
    if (first !== LBRACE) throw this.notAnObject(this.parsedRows + 1, this.valueStartOffset);
    this.parsedRows++;
    this.out.skip(
      this.valueStartOffset,
      `row larger than ${formatBytes(this.maxRowBytes)}, not read (raise ${MAX_ROW_BYTES_VARIABLE} if such rows are expected)`,
      `row is ${groupDigits(size)} bytes (starting at byte ${this.valueStartOffset})`,
    );
    this.state = ST_AFTER_ROW;
  }

  private parseValue(text: string, startOffset: number, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformedJson(error, text, startOffset, what);
    }
  }

  private memberTooLarge(): LookFormatError {
    return new LookFormatError(
      `Look JSON "${this.key}" member is larger than ${formatBytes(this.maxRowBytes)}; raise ${MAX_ROW_BYTES_VARIABLE} if this is expected`,
    );
  }

  private notAnObject(rowNumber: number, startOffset: number): LookFormatError {
    return new LookFormatError(`Look JSON row ${rowNumber} (at byte ${startOffset}) is not an object`);
  }

  private truncated(): LookFormatError {
    const read = `(read ${this.parsedRows} rows)`;
    switch (this.state) {
      case ST_BEFORE_DOCUMENT:
        return new LookFormatError("Look JSON is empty");
      case ST_FIRST_ROW:
      case ST_ROW:
      case ST_IN_ROW:
      case ST_AFTER_ROW:
        return new LookFormatError(`Look JSON ended before the data array was closed ${read}`);
      case ST_IN_MEMBER_VALUE:
        return new LookFormatError(`Look JSON ended inside the "${this.key}" member ${read}`);
      default:
        return new LookFormatError(`Look JSON ended before its closing '}' ${read}`);
    }
  }
}
