/** Buckets chosen by the top bits of a digest's high half: 2^14 of them. */
const BUCKET_BITS = 14;
/**
 * A chunk: the index of the bucket's previous chunk, how many keys it holds, then the keys. Small
 * chunks in many buckets keep each add's scan short: 2^12 buckets of 62-key chunks scanned about
 * 120 keys an add at a million records and took twice as long.
 */
const CHUNK_SLOTS = 16;
const CHUNK_KEYS = CHUNK_SLOTS - 2;
/** Chunks come from blocks of 64 KB that are never copied or freed while the set lives. */
const BLOCK_CHUNKS = 1024;

/**
 * A set of digest prefixes, compact enough for a run of a million records: the top 14 bits of
 * the high half pick one of 16,384 buckets, and the bucket keeps the low half (32 bits) in chunks
 * of 14 it scans. That is 46 bits of the digest at about 6 bytes a record (a million take under
 * 6 MB), allocated in blocks that are never copied, so growing leaves no garbage behind. Two
 * different prefixes look alike about once in 140 runs of a million records (n^2 / 2^47).
 */
export class DigestSet {
  /** Each bucket's newest chunk, or -1. */
  private readonly heads = new Int32Array(1 << BUCKET_BITS).fill(-1);
  private readonly blocks: Uint32Array[] = [];
  private chunks = 0;

  /** Adds the prefix (two 32-bit halves); false when it was already there. */
  add(high: number, low: number): boolean {
    const b = high >>> (32 - BUCKET_BITS);
    const key = low >>> 0;
    for (let c = this.heads[b]!; c !== -1; ) {
      const seg = this.blocks[c >>> 10]!;
      const at = (c & (BLOCK_CHUNKS - 1)) * CHUNK_SLOTS;
      const end = at + 2 + seg[at + 1]!;
      for (let i = at + 2; i < end; i++) if (seg[i] === key) return false;
      c = (seg[at]! | 0) - 1;
    }
    let c = this.heads[b]!;
    let seg = c === -1 ? undefined : this.blocks[c >>> 10]!;
    let at = (c & (BLOCK_CHUNKS - 1)) * CHUNK_SLOTS;
    if (seg === undefined || seg[at + 1] === CHUNK_KEYS) {
      const previous = c;
      c = this.chunks++;
      if (c % BLOCK_CHUNKS === 0) this.blocks.push(new Uint32Array(BLOCK_CHUNKS * CHUNK_SLOTS));
      seg = this.blocks[c >>> 10]!;
      at = (c & (BLOCK_CHUNKS - 1)) * CHUNK_SLOTS;
      // Stored plus one, so a fresh chunk's zero means "no previous chunk".
      seg[at] = previous + 1;
      this.heads[b] = c;
    }
    seg[at + 2 + seg[at + 1]!] = key;
    seg[at + 1] = seg[at + 1]! + 1;
    return true;
  }
}
