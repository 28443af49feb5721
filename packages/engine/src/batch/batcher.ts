import type { Envelope, Limits } from "../generated/manifest.js";
import { grownBytes } from "../grow-bytes.js";
import { RECORD_DIGEST_BYTES } from "../sync/digest-bytes.js";
import { SpareBuffers } from "./spare-buffers.js";

/** Records ready for one request, serialised once; only the per-request fields are added per attempt. */
export interface Batch {
  readonly rows: ReadonlyArray<number>;
  readonly count: number;
  /** A sync's digests of the records (see `Packed.digests`). */
  readonly digests?: Uint8Array;
  /** A sync's sealed identities of the records (see `Packed.sealed`). */
  readonly sealed?: ReadonlyArray<Uint8Array>;
  /** The records clear subjects that left the Look: they are not rows of it. */
  readonly clearing?: boolean;
  readonly bytes: number;
  /** JSON text; the runs build it as bytes. */
  body(sentAt: string): string | Buffer;
  /**
   * The same request without the records at these indices (from 0), for an API that refused
   * them and took none of the request; undefined when none would be left.
   */
  without(indices: ReadonlySet<number>): Batch | undefined;
  /** Gives the request's buffer back to whoever packed it, once it is answered and will not be sent again; the batch is unusable after. */
  release(): void;
}

/** Records packed for one request but not yet wrapped: their UTF-8 bytes, joined by commas. */
export interface Packed {
  readonly rows: number[];
  readonly count: number;
  /** Bytes of `payload`. */
  readonly bytes: number;
  /** Where each record ends in `payload` (the next one starts after the comma). */
  readonly ends: number[];
  /**
   * A view on a buffer of its own, so a worker thread can hand it over without a copy. The buffer
   * keeps room for the envelope before and after the view, so the body is written around the
   * records in place.
   */
  readonly payload: Uint8Array;
  /**
   * In a sync, each record's key and content digests (RECORD_DIGEST_BYTES each, in record order),
   * in a buffer of its own: what the state takes once the destination confirms the request.
   */
  readonly digests?: Uint8Array;
  /** In a sync whose mode declares a clear: each record's sealed identity, in record order. */
  readonly sealed?: Uint8Array[];
  /** The records clear subjects that left the Look (`rows` then count them from 1, not Look rows). */
  readonly clearing?: boolean;
}

/** Bytes the request envelope takes before and after the records. */
export interface Room {
  readonly before: number;
  readonly after: number;
}

const SENT_AT_SAMPLE = "2026-01-01T00:00:00.000Z";
const MIN_CAPACITY = 16 * 1024;

/** Returned by `RecordPacker.add` for a record over `maxRecordBytes`; `lastRecordBytes` has its size. */
export const TOO_LARGE = Symbol("record too large");

const encoder = new TextEncoder();

/**
 * Packs serialised records into requests within the API's count and byte limits. Each record is
 * encoded once, straight into the request's bytes, which also measures it. It needs only the size
 * of the envelope, not its content, so it can run where the key carried in a request body is not
 * known (a worker thread).
 */
export class RecordPacker {
  private buf: Uint8Array;
  /** Bytes of records in `buf`, which start after the envelope's room. */
  private length = 0;
  private rows: number[] = [];
  private ends: number[] = [];
  /** The sync digests of the records in `buf`, when records come with them. */
  private digests: Uint8Array | undefined;
  private sealed: Uint8Array[] | undefined;
  private readonly overhead: number;
  /** UTF-8 size of the record last given to `add`. */
  lastRecordBytes = 0;

  constructor(
    private readonly limits: Limits,
    /** Room the request envelope needs around the records. */
    private readonly room: Room,
    /** Where each request's buffer comes from: buffers of requests already answered, given back. */
    private readonly buffers: SpareBuffers = new SpareBuffers(),
  ) {
    this.overhead = room.before + room.after;
    this.buf = new Uint8Array(MIN_CAPACITY);
  }

  /** The largest record that fits the API alone in a request. */
  get maxRecordBytes(): number {
    return Math.min(this.limits.maxRecordBytes, this.limits.maxRequestBytes - this.overhead);
  }

  /** Adds a record; returns the request it closed (if adding it had to), or TOO_LARGE and adds nothing. */
  add(json: string, rowNumber: number, digests?: Uint8Array, sealed?: Uint8Array): Packed | typeof TOO_LARGE | undefined {
    const at = this.length + (this.rows.length > 0 ? 1 : 0);
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    this.reserve(at + json.length * 3);
    return this.placed(at, encoder.encodeInto(json, this.buf.subarray(this.room.before + at)).written, rowNumber, digests, sealed);
  }

  /** `add` for a record whose JSON is `head` (UTF-8 bytes) followed by `tail`. */
  addParts(head: Uint8Array, tail: string, rowNumber: number, digests?: Uint8Array, sealed?: Uint8Array): Packed | typeof TOO_LARGE | undefined {
    const at = this.length + (this.rows.length > 0 ? 1 : 0);
    this.reserve(at + head.length + tail.length * 3);
    const start = this.room.before + at;
    this.buf.set(head, start);
    return this.placed(at, head.length + encoder.encodeInto(tail, this.buf.subarray(start + head.length)).written, rowNumber, digests, sealed);
  }

  /** Takes the record of `bytes` just written at `at` into the request, or into the next one. */
  private placed(at: number, bytes: number, rowNumber: number, digests: Uint8Array | undefined, sealed: Uint8Array | undefined): Packed | typeof TOO_LARGE | undefined {
    const { before } = this.room;
    const separator = at - this.length;
    this.lastRecordBytes = bytes;
    if (bytes > this.maxRecordBytes) return TOO_LARGE;
    let closed: Packed | undefined;
    if (this.rows.length >= this.limits.maxRecordsPerRequest || this.overhead + at + bytes > this.limits.maxRequestBytes) {
      // The record goes first in the next request: move its bytes there.
      const record = this.buf.slice(before + at, before + at + bytes);
      closed = this.flush();
      this.reserve(bytes);
      this.buf.set(record, before);
      this.length = bytes;
    } else {
      if (separator === 1) this.buf[before + this.length] = 0x2c; // the comma joining it to the previous record
      this.length = at + bytes;
    }
    if (digests !== undefined) {
      const used = this.rows.length * RECORD_DIGEST_BYTES;
      this.digests = grownBytes(this.digests ?? new Uint8Array(0), used, used + RECORD_DIGEST_BYTES, 64 * RECORD_DIGEST_BYTES);
      this.digests.set(digests.subarray(0, RECORD_DIGEST_BYTES), used);
    }
    if (sealed !== undefined) (this.sealed ??= []).push(sealed);
    this.rows.push(rowNumber);
    this.ends.push(this.length);
    return closed;
  }

  flush(): Packed | undefined {
    if (this.rows.length === 0) return undefined;
    const { before } = this.room;
    const packed: Packed = {
      rows: this.rows, count: this.rows.length, bytes: this.length, ends: this.ends, payload: this.buf.subarray(before, before + this.length),
      ...(this.digests !== undefined ? { digests: this.digests.slice(0, this.rows.length * RECORD_DIGEST_BYTES) } : {}),
      ...(this.sealed !== undefined ? { sealed: this.sealed } : {}),
    };
    this.sealed = undefined;
    // The next request gets a buffer of its own, about as large as this one needed.
    this.buf = this.buffers.take(Math.max(MIN_CAPACITY, Math.ceil((this.overhead + this.length) * 1.25)));
    this.length = 0;
    this.rows = [];
    this.ends = [];
    return packed;
  }

  /** Room for `recordBytes` of records and the envelope around them. */
  private reserve(recordBytes: number): void {
    this.buf = grownBytes(this.buf, this.room.before + this.length, this.overhead + recordBytes);
  }
}

/** The request body around the records: the envelope, the fields set in every body, `sentAt`. */
export class RequestShape {
  private readonly suffix: (sentAt: string) => string;
  /** Bytes added around the records. */
  readonly overhead: number;
  /** The same, before and after them: `sentAt` always has the same length. */
  readonly room: Room;
  private readonly prefixBytes: Buffer;

  /** `fields`: set in every request body before the records (e.g. a key carried in the body); needs an `object` envelope. */
  constructor(envelope: Envelope, fields: Readonly<Record<string, string>> = {}) {
    const fixed = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`).join("");
    let prefix: string;
    if (envelope.kind === "array") {
      if (fixed !== "") throw new Error("an `array` envelope cannot carry body fields");
      prefix = "[";
      this.suffix = () => "]";
    } else {
      prefix = `{${fixed}${JSON.stringify(envelope.itemsKey)}:[`;
      const sentAtKey = envelope.sentAtField;
      this.suffix = sentAtKey === undefined ? () => "]}" : (sentAt) => `],${JSON.stringify(sentAtKey)}:${JSON.stringify(sentAt)}}`;
    }
    this.prefixBytes = Buffer.from(prefix);
    this.room = { before: this.prefixBytes.length, after: Buffer.byteLength(this.suffix(SENT_AT_SAMPLE)) };
    this.overhead = this.room.before + this.room.after;
  }

  /** `release`: where the request's buffer goes once it is answered (see `Batch.release`); by default it is left to the collector. */
  wrap(packed: Packed, release: (buffer: ArrayBuffer) => void = () => undefined): Batch {
    const { payload } = packed;
    const prefix = this.prefixBytes;
    const body = (sentAt: string) => {
      const suffix = Buffer.from(this.suffix(sentAt));
      const start = payload.byteOffset - prefix.length;
      const length = prefix.length + payload.length + suffix.length;
      // The packer left room around the records: the envelope is written there, and the records
      // are not copied. (Only one attempt of a request is under way at a time.)
      if (start < 0 || start + length > payload.buffer.byteLength) return Buffer.concat([prefix, payload, suffix]);
      const whole = Buffer.from(payload.buffer, start, length);
      whole.set(prefix, 0);
      whole.set(suffix, prefix.length + payload.length);
      return whole;
    };
    const without = (indices: ReadonlySet<number>) => {
      const kept = packedWithout(packed, indices, this.room);
      return kept === undefined ? undefined : this.wrap(kept);
    };
    let released = false;
    const giveBack = () => {
      if (released) return;
      released = true;
      release(payload.buffer as ArrayBuffer);
    };
    return { rows: packed.rows, count: packed.count, bytes: this.overhead + packed.bytes, body, without, release: giveBack,
      ...(packed.digests !== undefined ? { digests: packed.digests } : {}),
      ...(packed.sealed !== undefined ? { sealed: packed.sealed } : {}),
      ...(packed.clearing === true ? { clearing: true } : {}),
    };
  }
}

/** The records of `packed` but those at `indices`, copied into a buffer of their own with the envelope's room around them. */
export function packedWithout(packed: Packed, indices: ReadonlySet<number>, room: Room): Packed | undefined {
  const rows: number[] = [];
  const ends: number[] = [];
  const spans: Array<[number, number]> = [];
  let length = 0;
  const digests = packed.digests === undefined ? undefined : new Uint8Array(packed.digests.length);
  const sealed = packed.sealed === undefined ? undefined : ([] as Uint8Array[]);
  for (let i = 0; i < packed.count; i++) {
    if (indices.has(i)) continue;
    digests?.set(packed.digests!.subarray(i * RECORD_DIGEST_BYTES, (i + 1) * RECORD_DIGEST_BYTES), rows.length * RECORD_DIGEST_BYTES);
    sealed?.push(packed.sealed![i]!);
    const start = i === 0 ? 0 : packed.ends[i - 1]! + 1;
    const end = packed.ends[i]!;
    if (spans.length > 0) length++; // the comma before it
    length += end - start;
    spans.push([start, end]);
    rows.push(packed.rows[i]!);
    ends.push(length);
  }
  if (rows.length === 0) return undefined;
  const buf = new Uint8Array(room.before + length + room.after);
  let at = room.before;
  for (const [start, end] of spans) {
    if (at > room.before) buf[at++] = 0x2c;
    buf.set(packed.payload.subarray(start, end), at);
    at += end - start;
  }
  return {
    rows, count: rows.length, bytes: length, ends, payload: buf.subarray(room.before, room.before + length),
    ...(digests !== undefined ? { digests: digests.subarray(0, rows.length * RECORD_DIGEST_BYTES) } : {}),
    ...(sealed !== undefined ? { sealed } : {}),
    ...(packed.clearing === true ? { clearing: true } : {}),
  };
}

/**
 * The records of `a` then those of `b` in one request, copied into a buffer of their own with the
 * envelope's room around them; undefined when they do not fit one request within `limits`, or
 * when the two are not alike (a sync's digests or sealed identities in one only, clearing records).
 */
export function packedTogether(a: Packed, b: Packed, limits: Limits, room: Room): Packed | undefined {
  const count = a.count + b.count;
  const length = a.bytes + 1 + b.bytes;
  if (count > limits.maxRecordsPerRequest || room.before + length + room.after > limits.maxRequestBytes) return undefined;
  if ((a.digests === undefined) !== (b.digests === undefined) || (a.sealed === undefined) !== (b.sealed === undefined) || a.clearing === true || b.clearing === true) return undefined;
  const buf = new Uint8Array(room.before + length + room.after);
  buf.set(a.payload, room.before);
  buf[room.before + a.bytes] = 0x2c; // the comma joining the two
  buf.set(b.payload, room.before + a.bytes + 1);
  let digests: Uint8Array | undefined;
  if (a.digests !== undefined && b.digests !== undefined) {
    digests = new Uint8Array(count * RECORD_DIGEST_BYTES);
    digests.set(a.digests.subarray(0, a.count * RECORD_DIGEST_BYTES));
    digests.set(b.digests.subarray(0, b.count * RECORD_DIGEST_BYTES), a.count * RECORD_DIGEST_BYTES);
  }
  return {
    rows: [...a.rows, ...b.rows], count, bytes: length, ends: [...a.ends, ...b.ends.map((end) => a.bytes + 1 + end)], payload: buf.subarray(room.before, room.before + length),
    ...(digests !== undefined ? { digests } : {}),
    ...(a.sealed !== undefined && b.sealed !== undefined ? { sealed: [...a.sealed, ...b.sealed] } : {}),
  };
}

/** Part-filled requests (a run's last ones, one per packer) combined while two in a row fit one request. */
export function fewerRequests(parts: ReadonlyArray<Packed>, limits: Limits, room: Room): Packed[] {
  const out: Packed[] = [];
  for (const part of parts) {
    const last = out.at(-1);
    const both = last === undefined ? undefined : packedTogether(last, part, limits, room);
    if (both !== undefined) out[out.length - 1] = both;
    else out.push(part);
  }
  return out;
}
