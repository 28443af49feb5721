// Reads a Look from any byte source (file, stdin, HTTP body) as a header event followed by
// batches of rows. Batches follow the source's chunks: one event per chunk keeps the
// per-row cost of the async machinery negligible.

import { createReadStream } from "node:fs";
import { TextEncoder } from "node:util";
import { JsonDetailParser, type JsonDetailParserOptions } from "./json-detail-parser.js";
import type { ParsedRows, RawRows, SkippedRow } from "./raw-rows.js";
import type { LookHeader, LookRow } from "./types.js";

export type HeaderEvent = { kind: "header"; header: LookHeader };
/** `skipped`: the rows over the size limit, rejected in their places (each an empty object in `rows`). */
export type RowsEvent = { kind: "rows"; rows: LookRow[]; skipped?: ReadonlyArray<SkippedRow> };
/** Rows cut but not parsed (see `ReadLookOptions.raw`); `recycle` gives their buffer back to the reader once they are parsed. */
export type RawRowsEvent = { kind: "raw"; rows: RawRows; recycle?: (buffer: ArrayBuffer) => void };
export type LookEvent = HeaderEvent | RowsEvent | RawRowsEvent;

export interface ReadLookOptions extends JsonDetailParserOptions {
  /** Yield rows unparsed, so the runner can parse them off this thread. */
  raw?: boolean;
}

export type LookSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * Yields `{kind:"header"}` once (as soon as `fields` has been read), then `{kind:"rows"}` for
 * each chunk that completed rows. Throws LookFormatError for malformed or truncated input.
 * Node Readables (process.stdin, HTTP bodies) are AsyncIterables and can be passed directly.
 */
export function readLook(source: LookSource, opts: ReadLookOptions & { raw: true }): AsyncGenerator<HeaderEvent | RawRowsEvent, void, undefined>;
export function readLook(source: LookSource, opts?: ReadLookOptions & { raw?: false }): AsyncGenerator<HeaderEvent | RowsEvent, void, undefined>;
export function readLook(source: LookSource, opts?: ReadLookOptions): AsyncGenerator<LookEvent, void, undefined>;
export async function* readLook(source: LookSource, opts?: ReadLookOptions): AsyncGenerator<LookEvent, void, undefined> {
  const parser = new JsonDetailParser(opts);
  const raw = opts?.raw === true;
  const recycle = (buffer: ArrayBuffer) => parser.recycle(buffer);
  let headerSent = false;
  for await (const chunk of source) {
    const event = raw ? rawEvent(parser.pushRaw(chunk), recycle) : rowsEvent(parser.parse(parser.pushRaw(chunk)));
    if (!headerSent && parser.header !== undefined) {
      headerSent = true;
      yield { kind: "header", header: parser.header };
    }
    if (event !== undefined) yield event;
  }
  const event = raw ? rawEvent(parser.endRaw(), recycle) : rowsEvent(parser.parse(parser.endRaw())); // throws when `fields` never came, so the header exists below
  if (!headerSent) yield { kind: "header", header: parser.header! };
  if (event !== undefined) yield event;
}

const rowsEvent = ({ rows, skipped }: ParsedRows): LookEvent | undefined =>
  rows.length === 0 ? undefined : skipped !== undefined ? { kind: "rows", rows, skipped } : { kind: "rows", rows };
const rawEvent = (rows: RawRows | undefined, recycle: (buffer: ArrayBuffer) => void): LookEvent | undefined => (rows !== undefined ? { kind: "raw", rows, recycle } : undefined);

const FILE_CHUNK_BYTES = 256 * 1024;

export function lookSourceFromFile(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES });
}

/** Yields the UTF-8 bytes of `text` in slices, so in-memory Looks take the streaming path. */
export async function* lookSourceFromString(text: string, sliceBytes = 64 * 1024): AsyncGenerator<Uint8Array, void, undefined> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += sliceBytes) {
    yield bytes.subarray(i, Math.min(i + sliceBytes, bytes.length));
  }
}
