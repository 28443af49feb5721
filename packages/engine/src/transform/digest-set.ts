/** Buckets chosen by the top bits of a digest's high half: 2^12 of them. */
const BUCKET_BITS = 12;
const FIRST_CAPACITY = 8;

/**
 * A set of digest prefixes, compact enough for a run of a million records: the top 12 bits of
 * the high half pick one of 4,096 buckets, and the bucket keeps the low half (32 bits) in a typed
 * array it scans. That is 44 bits of the digest at about 5 bytes a record (a million take ~5 MB,
 * where a hash table of 64-bit slots took 16 MB), and a bucket grows on its own, so the set never
 * holds two copies of itself while growing. Two different prefixes look alike about once in 10^8
 * pairs of a million records (n^2 / 2^45).
 */
export class DigestSet {
  private readonly buckets: Array<Uint32Array | undefined> = new Array(1 << BUCKET_BITS);
  private readonly sizes = new Uint32Array(1 << BUCKET_BITS);

  /** Adds the prefix (two 32-bit halves); false when it was already there. */
  add(high: number, low: number): boolean {
    const b = high >>> (32 - BUCKET_BITS);
    const key = low >>> 0;
    const size = this.sizes[b]!;
    let bucket = this.buckets[b];
    if (bucket !== undefined) for (let i = 0; i < size; i++) if (bucket[i] === key) return false;
    if (bucket === undefined || size === bucket.length) {
      const grown = new Uint32Array(bucket === undefined ? FIRST_CAPACITY : Math.ceil(bucket.length * 1.5));
      if (bucket !== undefined) grown.set(bucket);
      this.buckets[b] = bucket = grown;
    }
    bucket[size] = key;
    this.sizes[b] = size + 1;
    return true;
  }
}
