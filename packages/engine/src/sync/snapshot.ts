// A sync's previous state during a run: key digest -> content digest (each by its first 8 bytes),
// with a seen bit per key, sorted by key over one SharedArrayBuffer. The run's thread fills it from
// the store before the first row; worker threads attach to the same memory and look keys up and
// mark them seen with Atomics, so records are filtered where they are built, without a message
// per row. Also the set of keys new to the state that a run's thread keeps (KeySet).

import { DIGEST_BYTES } from "./digest-bytes.js";
// Types only: this module runs on worker threads, which do not load the store's Effect modules.
import type { DigestPage } from "./store.js";

/** The snapshot's memory and shape, as it crosses to worker threads. */
export interface SnapshotBuffers {
  readonly memory: SharedArrayBuffer;
  readonly capacity: number;
  readonly bucketBits: number;
  /** Entries held (at most `capacity`). */
  readonly size: number;
}

/**
 * Bytes of a key the tables keep: the first 8 of the store's 16 (what a match of two keys by them
 * means is said where each table is used: KeySet, Snapshot).
 */
export const KEY_BYTES = 8;
const KEY_WORDS = KEY_BYTES / 4;
/**
 * Bytes of a content digest the snapshot keeps: the first 8 of the store's 16. A changed record
 * whose first 8 bytes match the previous content's would be taken as unchanged and not sent: for
 * SHA-256 digests that is one chance in 2^64 per changed record (a sync changing a million rows a
 * day would expect one in 50 billion years).
 */
export const CONTENT_BYTES = 8;

/** Most of the key set's table that keys may fill: linear probing stays short below it. */
const MAX_LOAD = 0.75;

/** Slots for `count` keys within MAX_LOAD. */
function capacityFor(count: number): number {
  return Math.max(16, Math.ceil(count / MAX_LOAD) + 1);
}

/**
 * The first 8 bytes of 16-byte keys in fixed slots, found by linear probing from a slot picked by
 * the key's first 32 bits (a digest's bits are uniform already), with a byte per slot that says
 * whether it is taken: 9 bytes a slot.
 */
class KeyTable {
  private readonly keys: Uint32Array;
  private readonly taken: Uint8Array;
  size = 0;

  constructor(readonly capacity: number) {
    const memory = new ArrayBuffer(capacity * (KEY_BYTES + 1));
    this.keys = new Uint32Array(memory, 0, capacity * KEY_WORDS);
    this.taken = new Uint8Array(memory, capacity * KEY_BYTES, capacity);
  }

  /** The slot holding the key at `bytes[at..at+8]`, or where it would go (negative: -1 - slot). */
  private probe(bytes: Uint8Array, at: number): number {
    const { keys, taken, capacity } = this;
    const w0 = readWord(bytes, at);
    const w1 = readWord(bytes, at + 4);
    // The first word picks the starting slot in [0, capacity): multiply-shift, no power of two needed.
    let slot = Math.floor((w0 / 0x1_0000_0000) * capacity);
    for (;;) {
      if (taken[slot] === 0) return -1 - slot;
      const k = slot * KEY_WORDS;
      if (keys[k] === w0 && keys[k + 1] === w1) return slot;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  add(bytes: Uint8Array, at: number): boolean {
    const slot = this.probe(bytes, at);
    if (slot >= 0) return false;
    const free = -1 - slot;
    this.keys[free * KEY_WORDS] = readWord(bytes, at);
    this.keys[free * KEY_WORDS + 1] = readWord(bytes, at + 4);
    this.taken[free] = 1;
    this.size++;
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
      if (this.taken[slot] === 0) continue;
      for (let i = 0; i < KEY_WORDS; i++) writeWord(key, i * 4, this.keys[slot * KEY_WORDS + i]!);
      next.add(key, 0);
    }
    return next;
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
 * Entries per bucket of the snapshot's index, about: a lookup is a binary search among them.
 * Buckets are picked by a key's first bits, which are uniform for digests.
 */
const ENTRIES_PER_BUCKET = 8;
const MAX_BUCKET_BITS = 16;
/** 32-bit words an entry takes: the key's first 8 bytes, the content's first 8. */
const ENTRY_WORDS = (KEY_BYTES + CONTENT_BYTES) / 4;

function bucketBitsFor(capacity: number): number {
  return Math.max(0, Math.min(MAX_BUCKET_BITS, Math.floor(Math.log2(Math.max(1, capacity / ENTRIES_PER_BUCKET)))));
}

/**
 * Where each part of a snapshot lies in its memory: the index (where each bucket's entries
 * start), then the entries, four words each (the key's two, the content's two: a lookup finds the
 * content on the cache line of the key), then a seen bit per entry.
 */
class SnapshotLayout {
  readonly starts: Uint32Array;
  /** Entry i at words 4i (key), 4i + 1 (key), 4i + 2 (content), 4i + 3 (content). */
  readonly entries: Uint32Array;
  readonly seen: Int32Array;

  constructor(readonly memory: SharedArrayBuffer, readonly capacity: number, readonly bucketBits: number) {
    let at = 0;
    const words = (n: number): [number, number] => {
      const from = at;
      at += n * 4;
      return [from, n];
    };
    this.starts = new Uint32Array(memory, ...words((1 << bucketBits) + 1));
    this.entries = new Uint32Array(memory, ...words(ENTRY_WORDS * capacity));
    this.seen = new Int32Array(memory, ...words(Math.ceil(capacity / 32)));
  }

  static bytesFor(capacity: number, bucketBits: number): number {
    return ((1 << bucketBits) + 1 + ENTRY_WORDS * capacity + Math.ceil(capacity / 32)) * 4;
  }

  bucketOf(key0: number): number {
    // A shift by 32 would shift by 0 in JavaScript: one bucket is bucket 0.
    return this.bucketBits === 0 ? 0 : key0 >>> (32 - this.bucketBits);
  }
}

/** The previous state's entries as they are read, before they are sorted into a Snapshot. */
export class SnapshotBuilder {
  private readonly layout: SnapshotLayout;
  size = 0;

  private constructor(capacity: number) {
    const bits = bucketBitsFor(capacity);
    this.layout = new SnapshotLayout(new SharedArrayBuffer(SnapshotLayout.bytesFor(capacity, bits)), capacity, bits);
  }

  /** Room for `count` entries. */
  static forEntries(count: number): SnapshotBuilder {
    return new SnapshotBuilder(Math.max(1, count));
  }

  get capacity(): number {
    return this.layout.capacity;
  }

  /** Adds an entry of the previous state (the store holds each key once: a repeat is another key with the same first 8 bytes). */
  add(keys: Uint8Array, keyAt: number, contents: Uint8Array, contentAt: number): void {
    const { layout, size } = this;
    if (size === layout.capacity) throw new Error(`the snapshot was made for fewer than ${size + 1} entries`);
    const e = size * ENTRY_WORDS;
    layout.entries[e] = readWord(keys, keyAt);
    layout.entries[e + 1] = readWord(keys, keyAt + 4);
    layout.entries[e + 2] = readWord(contents, contentAt);
    layout.entries[e + 3] = readWord(contents, contentAt + 4);
    this.size++;
  }

  /** The same entries in a builder with room for `capacity`. */
  grown(capacity: number): SnapshotBuilder {
    const next = new SnapshotBuilder(capacity);
    next.layout.entries.set(this.layout.entries.subarray(0, this.size * ENTRY_WORDS));
    next.size = this.size;
    return next;
  }

  /** The entries sorted by key, indexed by bucket: the snapshot. The builder is spent. */
  build(): Snapshot {
    sortEntries(this.layout, this.size);
    const { memory, capacity, bucketBits } = this.layout;
    return Snapshot.ofSorted({ memory, capacity, bucketBits, size: this.size });
  }
}

/** Sorts a layout's first `count` entries by key in place: by bucket (a radix pass), then within each bucket. */
function sortEntries(layout: SnapshotLayout, count: number): void {
  const { starts, entries } = layout;
  const buckets = starts.length - 1;
  starts.fill(0);
  for (let i = 0; i < count; i++) starts[layout.bucketOf(entries[i * ENTRY_WORDS]!) + 1]!++;
  for (let b = 0; b < buckets; b++) starts[b + 1]! += starts[b]!;
  const swap = (i: number, j: number): void => {
    const a = i * ENTRY_WORDS;
    const z = j * ENTRY_WORDS;
    for (let w = 0; w < ENTRY_WORDS; w++) {
      const t = entries[a + w]!;
      entries[a + w] = entries[z + w]!;
      entries[z + w] = t;
    }
  };
  // Each entry is swapped into the next free place of its bucket until every bucket holds its own.
  const next = starts.slice(0, buckets);
  for (let b = 0; b < buckets; b++) {
    while (next[b]! < starts[b + 1]!) {
      const i = next[b]!;
      const d = layout.bucketOf(entries[i * ENTRY_WORDS]!);
      if (d === b) next[b]!++;
      else swap(i, next[d]!++);
    }
  }
  // A bucket holds a few entries: insertion sort.
  for (let b = 0; b < buckets; b++) {
    const end = starts[b + 1]!;
    for (let i = starts[b]! + 1; i < end; i++) {
      for (let j = i; j > starts[b]! && compareEntries(entries, j - 1, j) > 0; j--) swap(j - 1, j);
    }
  }
}

function compareKeys(a0: number, a1: number, b0: number, b1: number): number {
  return a0 !== b0 ? a0 - b0 : a1 - b1;
}

function compareEntries(entries: Uint32Array, i: number, j: number): number {
  return compareKeys(entries[i * ENTRY_WORDS]!, entries[i * ENTRY_WORDS + 1]!, entries[j * ENTRY_WORDS]!, entries[j * ENTRY_WORDS + 1]!);
}

/**
 * The previous state of a sync: its entries sorted by key in one SharedArrayBuffer. Built on one
 * thread before anyone reads it; afterwards only the seen bits change, atomically, so any thread
 * may `check` keys at once. 16 bytes and a bit an entry: 16.4 MB for a million rows.
 *
 * Keys are kept by their first 8 bytes. Two keys of the state that share them (for SHA-256
 * digests, about one chance in 37 million for a million keys) are shared: a row with either key
 * is taken as changed and sent, and neither is ever inferred removed (their seen bits are set as
 * the snapshot is built). A key new to the state that shares the first 8 bytes of one in it
 * (about one chance in 18 million per million new keys against a million) is taken as changed, so
 * it is sent all the same, and the other key is not inferred removed in that run. Which full keys
 * were removed is read from the store again (`isUnseen`).
 */
export class Snapshot {
  private readonly layout: SnapshotLayout;
  readonly size: number;

  private constructor(buffers: SnapshotBuffers) {
    this.layout = new SnapshotLayout(buffers.memory, buffers.capacity, buffers.bucketBits);
    this.size = buffers.size;
  }

  /** The snapshot of entries SnapshotBuilder sorted. */
  static ofSorted(buffers: SnapshotBuffers): Snapshot {
    const s = new Snapshot(buffers);
    s.markShared();
    return s;
  }

  /** The snapshot another thread built (its `buffers`). */
  static attach(buffers: SnapshotBuffers): Snapshot {
    return new Snapshot(buffers);
  }

  /**
   * The previous state as the store gives it, page by page, in any order: made the size the store
   * says on its first page (grown should more come, or no size be said), then sorted.
   */
  static async fromPages(pages: AsyncIterable<DigestPage>): Promise<Snapshot> {
    let builder: SnapshotBuilder | undefined;
    for await (const page of pages) {
      builder ??= SnapshotBuilder.forEntries(Math.max(page.total ?? 0, page.count));
      if (builder.size + page.count > builder.capacity) builder = builder.grown(Math.max(builder.size + page.count, builder.capacity * 2));
      for (let i = 0; i < page.count; i++) builder.add(page.keys, i * DIGEST_BYTES, page.contents, i * DIGEST_BYTES);
    }
    return (builder ?? SnapshotBuilder.forEntries(0)).build();
  }

  get buffers(): SnapshotBuffers {
    const { memory, capacity, bucketBits } = this.layout;
    return { memory, capacity, bucketBits, size: this.size };
  }

  /** Sets the seen bits of keys that share their first 8 bytes, so none is inferred removed. */
  private markShared(): void {
    const { entries } = this.layout;
    for (let i = 1; i < this.size; i++) {
      if (compareEntries(entries, i - 1, i) === 0) {
        this.setSeen(i - 1);
        this.setSeen(i);
      }
    }
  }

  /** Sets entry i's seen bit; whether it was set before. */
  private setSeen(i: number): boolean {
    const bit = 1 << (i & 31);
    return (Atomics.or(this.layout.seen, i >>> 5, bit) & bit) !== 0;
  }

  private isSeen(i: number): boolean {
    const bit = 1 << (i & 31);
    return (Atomics.load(this.layout.seen, i >>> 5) & bit) !== 0;
  }

  /** The first entry with the key at `bytes[at..at+8]`, or -1. */
  private find(bytes: Uint8Array, at: number): number {
    const { starts, entries } = this.layout;
    const w0 = readWord(bytes, at);
    const w1 = readWord(bytes, at + 4);
    const b = this.layout.bucketOf(w0);
    let lo = starts[b]!;
    let hi = starts[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(entries[mid * ENTRY_WORDS]!, entries[mid * ENTRY_WORDS + 1]!, w0, w1) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts[b + 1]! && entries[lo * ENTRY_WORDS] === w0 && entries[lo * ENTRY_WORDS + 1] === w1 ? lo : -1;
  }

  private isShared(i: number): boolean {
    return i + 1 < this.size && compareEntries(this.layout.entries, i, i + 1) === 0;
  }

  /**
   * Where the record with these digests (key at `digests[at..]`, content right after it) stands,
   * and marks its key seen. `duplicate` is set when the key was seen before in this run.
   */
  check(digests: Uint8Array, at: number, seen: { duplicate: boolean }): KeyState {
    seen.duplicate = false;
    const i = this.find(digests, at);
    if (i < 0) return KeyState.New;
    if (this.isShared(i)) return KeyState.Changed;
    seen.duplicate = this.setSeen(i);
    const at2 = at + DIGEST_BYTES;
    const { entries } = this.layout;
    const e = i * ENTRY_WORDS;
    return entries[e + 2] === readWord(digests, at2) && entries[e + 3] === readWord(digests, at2 + 4) ? KeyState.Unchanged : KeyState.Changed;
  }

  /** Marks the key at `bytes[at..at+16]` seen, when the previous state has it. */
  markSeen(bytes: Uint8Array, at: number): void {
    const i = this.find(bytes, at);
    if (i >= 0) this.setSeen(i);
  }

  /** How many keys of the previous state no row of this run had. */
  unseenCount(): number {
    const { seen } = this.layout;
    let set = 0;
    for (let w = 0; w < seen.length; w++) set += bitCount(Atomics.load(seen, w));
    return this.size - set;
  }

  /** Whether the previous state's key at `bytes[at..at+16]` is one no row of this run had. */
  isUnseen(bytes: Uint8Array, at: number): boolean {
    const i = this.find(bytes, at);
    return i >= 0 && !this.isSeen(i);
  }
}

function bitCount(word: number): number {
  let n = word - ((word >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
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
