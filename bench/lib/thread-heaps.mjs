// Loaded into the server under bench (`node --import`, which worker threads inherit) by
// `bench/sync.mjs --thread-heaps`: each thread samples its own V8 heap every 50 ms and keeps the
// peaks in a file of its own in TAGWIRE_BENCH_HEAPS_DIR, rewritten each second and at exit, so a
// run's memory can be split by thread. The sampling costs a little CPU: use it to see where memory
// goes, not to measure speed.

import { getHeapStatistics } from "node:v8";
import { isMainThread, threadId } from "node:worker_threads";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env["TAGWIRE_BENCH_HEAPS_DIR"];
if (dir !== undefined && dir !== "") {
  const thread = isMainThread ? "main" : `thread ${threadId}`;
  const file = join(dir, `${process.pid}-${threadId}.json`);
  const peaks = { thread, heapTotalBytes: 0, heapUsedBytes: 0, mallocedBytes: 0 };
  const sample = () => {
    const h = getHeapStatistics();
    peaks.heapTotalBytes = Math.max(peaks.heapTotalBytes, h.total_heap_size);
    peaks.heapUsedBytes = Math.max(peaks.heapUsedBytes, h.used_heap_size);
    peaks.mallocedBytes = Math.max(peaks.mallocedBytes, h.malloced_memory);
  };
  const write = () => writeFileSync(file, JSON.stringify(peaks));
  setInterval(sample, 50).unref();
  setInterval(write, 1000).unref();
  process.on("exit", () => {
    sample();
    write();
  });
}
