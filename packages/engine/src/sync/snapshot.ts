// A sync's previous state during a run: key digest -> content digest (each by its first 8 bytes),
// with a seen flag per key, in an open-addressing hash table over one SharedArrayBuffer. The run's
// thread fills it from the store before the first row; worker threads attach to the same memory and
// look keys up and mark them seen with Atomics, so records are filtered where they are built,
// without a message per row.

import { DIGEST_BYTES } from "./digest-bytes.js";
// Types only: this module runs on worker threads, which do not load the store's Effect modules.
import type { DigestPage } from "./store.js";

/** The table's memory and size, as it crosses to worker threads. */
export interface SnapshotBuffers {
  readonly memory: SharedArrayBuffer;
  readonly capacity: number;
}

const EMPTY = 0;
const HELD = 1;
const SEEN = 2;
/** Two keys of the previous state share their first 8 bytes: the slot stands for both (see Snapshot). */
const SHARED = 3;

/** Most of the table that entries may fill: linear probing stays short below it. */
const MAX_LOAD = 0.75;
/**
 * Bytes of a key the tables keep: the first 8 of the store's 16 (what a match of two keys by them
 * means is said where each table is used: KeySet, Snapshot).
 */
export const KEY_BYTES = 8;
const KEY_WORDS = KEY_BYTES / 4;
/**
 * Bytes of a content digest the table keeps: the first 8 of the store's 16. A changed record whose
 * first 8 bytes match the previous content's would be taken as unchanged and not sent: for SHA-256
 * digests that is one chance in 2^64 per changed record (a sync changing a million rows a day would
 * expect one in 50 billion years).
 */
export const CONTENT_BYTES = 8;
const CONTENT_WORDS = CONTENT_BYTES / 4;

/** Slots for `count` entries within MAX_LOAD. */
function capacityFor(count: number): number {
  return Math.max(16, Math.ceil(count / MAX_LOAD) + 1);
}

/**
 * The first 8 bytes of 16-byte keys (and optionally the first 8 bytes of contents) in fixed
 * slots, found by linear probing from a slot picked by the key's first 32 bits (a digest's bits are
 * uniform already). Flags are bytes, so a slot of key and content prefixes costs 17 bytes: about
 * 23 MB for a million rows.
 */
class DigestTable {
  protected readonly keys: Uint32Array;
  protected readonly contents: Uint32Array | undefined;
  protected readonly flags: Uint8Array;
  size = 0;

  constructor(
    readonly memory: SharedArrayBuffer | ArrayBuffer,
    readonly capacity: number,
    withContents: boolean,
  ) {
    const slotWords = capacity * KEY_WORDS;
    this.keys = new Uint32Array(memory, 0, slotWords);
    this.contents = withContents ? new Uint32Array(memory, slotWords * 4, capacity * CONTENT_WORDS) : undefined;
    this.flags = new Uint8Array(memory, slotWords * 4 + (withContents ? capacity * CONTENT_BYTES : 0), capacity);
  }

  static bytesFor(capacity: number, withContents: boolean): number {
    return capacity * (KEY_BYTES + (withContents ? CONTENT_BYTES : 0) + 1);
  }

  /** The slot holding the key at `bytes[at..at+16]`, or where it would go (negative: -1 - slot). */
  protected probe(bytes: Uint8Array, at: number): number {
    const { keys, flags, capacity } = this;
    const w0 = readWord(bytes, at);
    const w1 = readWord(bytes, at + 4);
    // The first word picks the starting slot in [0, capacity): multiply-shift, no power of two needed.
    let slot = Math.floor((w0 / 0x1_0000_0000) * capacity);
    for (;;) {
      if (flags[slot] === EMPTY) return -1 - slot;
      const k = slot * KEY_WORDS;
      if (keys[k] === w0 && keys[k + 1] === w1) return slot;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  protected place(slot: number, bytes: Uint8Array, at: number): void {
    const k = slot * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) this.keys[k + i] = readWord(bytes, at + i * 4);
    this.flags[slot] = HELD;
    this.size++;
  }
}

/** A word of a digest as the table stores it (little-endian; any fixed order would do). */
function readWord(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word & 0xff;
  bytes[at + 1] = (word >>> 8) & 0xff;
  bytes[at + 2] = (word >>> 16) & 0xff;
  bytes[at + 3] = word >>> 24;
}

/** Where a key stands against the previous state. */
export const enum KeyState {
  /** Not in the previous state. */
  New = 0,
  /** In it, with another content. */
  Changed = 1,
  /** In it, with this content. */
  Unchanged = 2,
}

/**
 * The previous state of a sync. Filled on one thread (`add`) before anyone reads it; afterwards
 * only the seen flags change, atomically, so any thread may `check` keys at once.
 *
 * Keys are kept by their first 8 bytes (17 bytes a slot instead of 25: 23 MB for a million rows
 * instead of 33). Two keys of the state that share them (for SHA-256 digests, about one chance in
 * 37 million for a million keys) share a slot marked SHARED: a row with either key is taken as
 * changed and sent, and neither is ever inferred removed. A key new to the state that shares the
 * first 8 bytes of one in it (about one chance in 18 million per million new keys against a
 * million) is taken as changed, so it is sent all the same, and the other key is not inferred
 * removed in that run. Which full keys were removed is read from the store again (`isUnseen`).
 */
export class Snapshot extends DigestTable {
  private constructor(memory: SharedArrayBuffer, capacity: number) {
    super(memory, capacity, true);
  }

  /** An empty table with room for `count` entries. */
  static forEntries(count: number): Snapshot {
    const capacity = capacityFor(count);
    return new Snapshot(new SharedArrayBuffer(DigestTable.bytesFor(capacity, true)), capacity);
  }

  /** The table another thread filled (its `buffers`). */
  static attach(buffers: SnapshotBuffers): Snapshot {
    const s = new Snapshot(buffers.memory, buffers.capacity);
    s.size = -1;
    return s;
  }

  /**
   * The previous state as the store gives it, page by page, in a table of the size the store
   * says on its first page (grown should more come, or no size be said). Its memory is shared only
   * once it is whole.
   */
  static async fromPages(pages: AsyncIterable<DigestPage>): Promise<Snapshot> {
    let s = Snapshot.forEntries(0);
    for await (const page of pages) {
      // The store's count, on its first page: the table is made whole at once.
      if (s.size === 0 && page.total !== undefined && page.total > s.capacity * MAX_LOAD) s = Snapshot.forEntries(page.total);
      if (s.size + page.count > s.capacity * MAX_LOAD) s = s.grown(s.size + page.count);
      for (let i = 0; i < page.count; i++) s.add(page.keys, i * DIGEST_BYTES, page.contents, i * DIGEST_BYTES);
    }
    return s;
  }

  /** The same entries in a table with room for at least twice as many, or `atLeast`. */
  private grown(atLeast: number): Snapshot {
    const next = Snapshot.forEntries(Math.max(atLeast, this.size * 2));
    const key = new Uint8Array(KEY_BYTES);
    const content = new Uint8Array(CONTENT_BYTES);
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.flags[slot] === EMPTY) continue;
      for (let i = 0; i < KEY_WORDS; i++) writeWord(key, i * 4, this.keys[slot * KEY_WORDS + i]!);
      for (let i = 0; i < CONTENT_WORDS; i++) writeWord(content, i * 4, this.contents![slot * CONTENT_WORDS + i]!);
      next.add(key, 0, content, 0);
      if (this.flags[slot] === SHARED) next.flags[next.probe(key, 0)] = SHARED;
    }
    return next;
  }

  get buffers(): SnapshotBuffers {
    return { memory: this.memory as SharedArrayBuffer, capacity: this.capacity };
  }

  /** Adds an entry of the previous state (the store holds each key once: a repeat is another key with the same first 8 bytes). */
  add(keys: Uint8Array, keyAt: number, contents: Uint8Array, contentAt: number): void {
    let slot = this.probe(keys, keyAt);
    if (slot >= 0) {
      this.flags[slot] = SHARED;
      return;
    }
    if (this.size + 1 > this.capacity * MAX_LOAD) throw new Error(`the snapshot was made for fewer than ${this.size + 1} entries`);
    slot = -1 - slot;
    this.place(slot, keys, keyAt);
    const c = slot * CONTENT_WORDS;
    for (let i = 0; i < CONTENT_WORDS; i++) this.contents![c + i] = readWord(contents, contentAt + i * 4);
  }

  /**
   * Where the record with these digests (key at `digests[at..]`, content right after it) stands,
   * and marks its key seen. `duplicate` is set when the key was seen before in this run.
   */
  check(digests: Uint8Array, at: number, seen: { duplicate: boolean }): KeyState {
    seen.duplicate = false;
    const slot = this.probe(digests, at);
    if (slot < 0) return KeyState.New;
    const was = Atomics.compareExchange(this.flags, slot, HELD, SEEN);
    if (was === SHARED) return KeyState.Changed;
    seen.duplicate = was !== HELD;
    const c = slot * CONTENT_WORDS;
    const contents = this.contents!;
    const at2 = at + DIGEST_BYTES;
    for (let i = 0; i < CONTENT_WORDS; i++) if (contents[c + i] !== readWord(digests, at2 + i * 4)) return KeyState.Changed;
    return KeyState.Unchanged;
  }

  /** Marks the key at `bytes[at..at+16]` seen, when the previous state has it. */
  markSeen(bytes: Uint8Array, at: number): void {
    const slot = this.probe(bytes, at);
    if (slot >= 0) Atomics.compareExchange(this.flags, slot, HELD, SEEN);
  }

  /** How many keys of the previous state no row of this run had. */
  unseenCount(): number {
    let count = 0;
    for (let slot = 0; slot < this.capacity; slot++) if (Atomics.load(this.flags, slot) === HELD) count++;
    return count;
  }

  /** Whether the previous state's key at `bytes[at..at+16]` is one no row of this run had. */
  isUnseen(bytes: Uint8Array, at: number): boolean {
    const slot = this.probe(bytes, at);
    return slot >= 0 && Atomics.load(this.flags, slot) === HELD;
  }
}

/**
 * A set of keys on one thread, growing as it fills: the keys new to the state seen so far in a
 * run, to find a new key given twice (the run's thread takes chunk results in row order).
 *
 * Only each key's first 8 bytes are kept (9 bytes a slot; a first run of a million rows holds
 * about 13 MB, and both tables while it grows). Two keys are taken as one when their first 8
 * bytes match: for SHA-256 digests, one chance in 2^64 per pair, about one in 37 million for a
 * million keys. Fit for finding keys given twice (a false match only adds a warning: both rows are
 * sent anyway), not for choosing rows to act on.
 */
export class KeySet {
  private table = new KeyTable(capacityFor(1024));

  /** Adds the key at `bytes[at..at+16]`; false when it was there already (a duplicate). */
  add(bytes: Uint8Array, at: number): boolean {
    if (this.table.size + 1 > this.table.capacity * MAX_LOAD) this.table = this.table.grown();
    return this.table.add(bytes, at);
  }

  has(bytes: Uint8Array, at: number): boolean {
    return this.table.has(bytes, at);
  }

  get size(): number {
    return this.table.size;
  }
}

class KeyTable extends DigestTable {
  constructor(capacity: number) {
    super(new ArrayBuffer(DigestTable.bytesFor(capacity, false)), capacity, false);
  }

  add(bytes: Uint8Array, at: number): boolean {
    const slot = this.probe(bytes, at);
    if (slot >= 0) return false;
    this.place(-1 - slot, bytes, at);
    return true;
  }

  has(bytes: Uint8Array, at: number): boolean {
    return this.probe(bytes, at) >= 0;
  }

  /** The same keys in a table twice as large. */
  grown(): KeyTable {
    const next = new KeyTable(this.capacity * 2);
    const key = new Uint8Array(KEY_BYTES);
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.flags[slot] === EMPTY) continue;
      for (let i = 0; i < KEY_WORDS; i++) writeWord(key, i * 4, this.keys[slot * KEY_WORDS + i]!);
      next.add(key, 0);
    }
    return next;
  }
}
