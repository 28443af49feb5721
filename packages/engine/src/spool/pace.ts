// How fast a run takes a spool's bytes, over the last half second: whether the run reads the
// download itself or the spool reads ahead of it (see spool.ts).

/**
 * The span a pace is judged over. A quarter of a second judged runs too early: a 1M-row run took
 * 1.7 MB in its first 250 ms, while its worker thread started, and 20 MB/s after.
 */
export const PACE_SPAN_MS = 500;
const BUCKET_MS = 50;
const BUCKETS = PACE_SPAN_MS / BUCKET_MS;

/** Bytes taken in the last few 50 ms buckets: about half a second. */
export class Pace {
  private readonly buckets = new Float64Array(BUCKETS);
  /** The bucket number (time / BUCKET_MS) of the newest bucket. */
  private newest: number;

  constructor(private readonly since: number) {
    this.newest = Math.floor(since / BUCKET_MS);
  }

  took(bytes: number, now: number): void {
    this.roll(now);
    this.buckets[this.newest % BUCKETS]! += bytes;
  }

  /** Whether the bytes were taken at `bytesPerSecond` or more over the span; true until a span has passed, with nothing to judge by. */
  atLeast(bytesPerSecond: number, now: number): boolean {
    if (now - this.since < PACE_SPAN_MS) return true;
    this.roll(now);
    let taken = 0;
    for (const bytes of this.buckets) taken += bytes;
    return taken * (1000 / PACE_SPAN_MS) >= bytesPerSecond;
  }

  /** How long a waiter may sleep before the pace can have changed with nothing taken. */
  static readonly checkMs = BUCKET_MS;

  private roll(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    for (let b = this.newest + 1; b <= bucket && b <= this.newest + BUCKETS; b++) this.buckets[b % BUCKETS] = 0;
    if (bucket > this.newest) this.newest = bucket;
  }
}
