// The compressed bytes all the spools of a process may keep on disk together
// (TAGWIRE_SPOOL_MAX_BYTES): what the disk under the spool directory must hold at most, however
// many runs spool at once. A spool that finds no room waits for the run to consume, it never fails.

import { Changes } from "./changes.js";

export class SpoolBudget {
  private used = 0;
  private peak = 0;
  /** Notified whenever bytes are given back, for spools waiting for room. */
  readonly freed = new Changes();

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  /** The most bytes the spools held at once. */
  get peakBytes(): number {
    return this.peak;
  }

  fits(bytes: number): boolean {
    return this.used + bytes <= this.maxBytes;
  }

  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  give(bytes: number): void {
    this.used -= bytes;
    this.freed.notify();
  }
}
