// Request buffers given back once their request has been answered, for the packer to fill again.
// Each request's bytes live in a buffer of their own (a worker hands it to the run's thread without
// a copy); allocating one per request left a peak of dead request buffers waiting for collection on
// both threads, and the allocator's arenas grew with them (docs/performance.md).

/** Spare buffers kept: about what a run has in flight (requests being sent and read ahead). */
const MAX_SPARES = 16;

export class SpareBuffers {
  private readonly spares: ArrayBuffer[] = [];

  /** Keeps `buffer` for a later request; the oldest spare goes when there are enough. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) return; // detached: it was handed on already
    if (this.spares.length === MAX_SPARES) this.spares.shift();
    this.spares.push(buffer);
  }

  /** A buffer of at least `bytes` (a spare one if any is large enough, without more than twice the size); its content is stale. */
  take(bytes: number): Uint8Array {
    for (let i = this.spares.length - 1; i >= 0; i--) {
      const spare = this.spares[i]!;
      if (spare.byteLength >= bytes && spare.byteLength <= 2 * bytes) {
        this.spares.splice(i, 1);
        return new Uint8Array(spare);
      }
    }
    return new Uint8Array(bytes);
  }
}
