// A download read ahead makes garbage V8 is slow to collect. Each chunk the socket reads is a buffer
// of up to 64 KiB outside V8's heap behind an object of a few hundred bytes inside it; the spool
// copies it and lets it go at once. V8 frees such buffers when it collects its young generation,
// which it does when that generation is full of objects, not of the memory they hold: at 60 MB/s,
// tens of megabytes of dead chunks waited, and the process's resident memory kept them. Measured on
// a 50 MB Look read ahead of a reader taking 10 MB/s (2 MB semi-spaces, as the Dockerfile runs the
// server): 30 MB of array buffers at the peak and 113 MB resident without; with a young collection
// after every 8 MiB read, the same; after every 1 MiB, 14 MB and 95 MB, the download as fast.
// So the spool asks for a young collection (a scavenge, under a millisecond) after every MiB it reads.
//
// V8 offers that only through its `gc` extension: the flag that exposes it is set and the function
// taken from a fresh context, as compact-heap.ts sets its flags, once, by the spool's layer. A
// process that cannot do so goes without.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Bytes read between two young collections: tens a second at the download rates a spool sees. */
export const YOUNG_COLLECTION_BYTES = 1024 * 1024;

type Gc = (options?: { readonly type?: "minor" | "major" }) => void;

/** A young-generation collection, or undefined where V8 will not give one. */
export function youngCollection(): (() => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as Gc | undefined;
    return typeof gc === "function" ? () => gc({ type: "minor" }) : undefined;
  } catch {
    return undefined;
  }
}
