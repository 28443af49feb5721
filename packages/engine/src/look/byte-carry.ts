// Holds the unfinished tail of a value that spans chunks. Only one value is ever unfinished,
// so memory is bounded by the largest single row (or captured member), not by the document.

import { grownBytes } from "../grow-bytes.js";

const SHRINK_ABOVE = 1024 * 1024;

export class ByteCarry {
  private bytes: Uint8Array = new Uint8Array(0);
  length = 0;

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    this.bytes = grownBytes(this.bytes, this.length, needed, 4096);
    this.bytes.set(chunk, this.length);
    this.length = needed;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
    // Release the space an unusually large row needed instead of keeping it for the whole run.
    if (this.bytes.length > SHRINK_ABOVE) this.bytes = new Uint8Array(0);
  }
}
