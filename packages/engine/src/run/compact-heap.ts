// How much a process's V8 heap may grow before it collects. Without heap flags V8 sizes both of
// its generations from the machine's memory (a 4 GB limit on a 24 GB machine): the young
// generation grows to 32 MB per thread, and the old one to up to four times what survived its last
// collection. A run makes garbage at a steady rate (each row parsed, each request body sent), so
// the heap settles wherever V8's growth lets it, not at what the run holds: a 1M-row run peaked
// at 280 MB that way, against 155 MB with the growth below (docs/performance.md). The options that
// bound it are V8 flags; Node applies only these two once a thread has started, because V8 reads
// them at each collection, and they hold for every thread of the process, worker threads too.

import { setFlagsFromString } from "node:v8";

/** The young generation keeps the size it starts with (4 MB in all) instead of doubling up to 32 MB. */
const YOUNG_GROWTH = "--semi-space-growth-factor=1";
/** The old generation may grow 30% past what survived its last collection, as V8 allows a 384 MB heap. */
const OLD_GROWTH = "--heap-growing-percent=30";

/** Node or V8 options that size the heap or its growth: given any of them, the process is left as told. */
const HEAP_OPTIONS = /--(max[-_]semi[-_]space[-_]size|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size|semi[-_]space[-_]growth[-_]factor|heap[-_]growing[-_]percent)\b/;

/**
 * Bounds the heap's growth for a long-running process, unless its heap was sized by options
 * (`execArgv` or `NODE_OPTIONS`). True when the bounds were applied.
 */
export function compactHeap(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env["NODE_OPTIONS"] ?? ""): boolean {
  if (HEAP_OPTIONS.test(nodeOptions) || execArgv.some((a) => HEAP_OPTIONS.test(a))) return false;
  setFlagsFromString(YOUNG_GROWTH);
  setFlagsFromString(OLD_GROWTH);
  return true;
}
