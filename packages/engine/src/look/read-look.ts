// Reads a Look from any byte source (file, stdin, HTTP body) as a header event followed by
// batches of rows. Batches follow the source's chunks: one event per chunk keeps the
// per-row cost of the async machinery negligible.

import { createReadStream } from "node:fs";
import { TextEncoder } from "node:util";
import { JsonDetailParser, type JsonDetailParserOptions } from "./json-detail-parser.js";
import type { LookHeader, LookRow } from "./types.js";

export type LookEvent = { kind: "header"; header: LookHeader } | { kind: "rows"; rows: LookRow[] };

export type LookSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * Yields `{kind:"header"}` once (as soon as `fields` has been read), then `{kind:"rows"}` for
 * each chunk that completed rows. Throws LookFormatError for malformed or truncated input.
 * Node Readables (process.stdin, HTTP bodies) are AsyncIterables and can be passed directly.
 */
export async function* readLook(source: LookSource, opts?: JsonDetailParserOptions): AsyncGenerator<LookEvent, void, undefined> {
  const parser = new JsonDetailParser(opts);
  let headerSent = false;
  for await (const chunk of source) {
    const rows = parser.push(chunk);
    if (!headerSent && parser.header !== undefined) {
      headerSent = true;
      yield { kind: "header", header: parser.header };
    }
    if (rows.length > 0) yield { kind: "rows", rows };
  }
  const rows = parser.end(); // throws when `fields` never came, so the header exists below
  if (!headerSent) yield { kind: "header", header: parser.header! };
  if (rows.length > 0) yield { kind: "rows", rows };
}

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
