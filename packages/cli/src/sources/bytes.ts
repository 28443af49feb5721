import { createReadStream, statSync } from "node:fs";
import { describeErrno } from "../exit.js";
import { InputError } from "../exit.js";

/** How far a byte source has been read, for the progress display. */
export interface ByteCount {
  /** Known for files; unknown for stdin and the Looker API. */
  readonly total?: number;
  read: number;
}

/** Counts the bytes as the consumer pulls them, so progress reflects what was actually parsed. */
export async function* counted(source: AsyncIterable<Uint8Array | string>, count: ByteCount): AsyncGenerator<Uint8Array | string, void, undefined> {
  for await (const chunk of source) {
    count.read += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    yield chunk;
  }
}

const FILE_CHUNK_BYTES = 256 * 1024;

/** A file's bytes; unreadable files fail here, before any parsing, with one clear line. */
export function openFile(path: string): { bytes: AsyncIterable<Uint8Array | string>; count: ByteCount } {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    size = stat.size;
  } catch (e) {
    throw new InputError({ message: `cannot read ${path}: ${describeErrno((e as NodeJS.ErrnoException).code ?? String(e))}` });
  }
  const count: ByteCount = { total: size, read: 0 };
  return { bytes: counted(createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES }), count), count };
}

export function openStdin(): { bytes: AsyncIterable<Uint8Array | string>; count: ByteCount } {
  const count: ByteCount = { read: 0 };
  return { bytes: counted(process.stdin, count), count };
}
