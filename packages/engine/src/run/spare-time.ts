// Whether the thread this runs on has time to spare: how much of a recent window its event loop
// spent idle. A run asks before it waits for a busy worker: a thread that sends few requests (767
// a million rows) was idle half the time while its worker was the bottleneck, one that sends many
// (10,000 a million rows) had little to spare (docs/performance.md).

import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** How long a window of the event loop's utilization lasts: long enough not to follow one chunk. */
const WINDOW_MS = 200;

export class SpareTime {
  private start: EventLoopUtilization = performance.eventLoopUtilization();
  /** The utilization of the last whole window, or 1 (no time to spare) before one has passed. */
  private utilization = 1;

  /** @param busiest the utilization (0 to 1) above which the thread has no time to spare */
  constructor(private readonly busiest: number) {}

  /** True when the thread was busy for less than `busiest` of the last whole window. */
  has(): boolean {
    const now = performance.eventLoopUtilization();
    if (now.idle + now.active - (this.start.idle + this.start.active) >= WINDOW_MS) {
      this.utilization = performance.eventLoopUtilization(now, this.start).utilization;
      this.start = now;
    }
    return this.utilization < this.busiest;
  }
}
