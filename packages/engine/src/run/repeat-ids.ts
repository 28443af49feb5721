// Record ids of a run whose rows are transformed on several worker threads. Each worker gives
// every record the id of its content's first occurrence (the digest itself) and reports the
// digests; this thread, which takes chunk results in row order, counts occurrences over the whole
// run and rewrites the id of the rare repeat in the packed request bytes. An id is 36 ASCII
// characters whatever its occurrence, so the rewrite changes no length and no request size.

import type { Packed } from "../batch/batcher.js";
import { DIGEST_HEX, digestAt, idOf, Occurrences } from "../transform/ids.js";
import type { ChunkResult } from "./chunk-processor.js";

export class RepeatIds {
  private readonly occurrences = new Occurrences();
  /** Rows whose record carries a first-occurrence id that must become another (id bytes: from, to). */
  private readonly pending = new Map<number, readonly [Buffer, Buffer]>();

  /**
   * Counts the ids a chunk's rows took; call it for every chunk in row order, before `rewrite`
   * of the requests that chunk (or a later one) completes.
   */
  count(result: ChunkResult): void {
    const ids = result.ids;
    if (ids === undefined) return;
    for (let i = 0; i < ids.rows.length; i++) {
      const occurrence = this.occurrences.nextAt(ids.digests, i * DIGEST_HEX);
      if (occurrence === 0) continue;
      const digest = digestAt(ids.digests, i * DIGEST_HEX);
      this.pending.set(ids.rows[i]!, [Buffer.from(idOf(digest, 0)), Buffer.from(idOf(digest, occurrence))]);
    }
    // A rejected row took its id (it counts, as on one thread) but has no record to rewrite.
    if (this.pending.size > 0) for (const r of result.rejected) this.pending.delete(r.row);
  }

  /** Gives each repeat packed in `packed` its own id, in place. */
  rewrite(packed: Packed): void {
    if (this.pending.size === 0) return;
    const bytes = Buffer.from(packed.payload.buffer, packed.payload.byteOffset, packed.payload.length);
    for (let i = 0; i < packed.count; i++) {
      const ids = this.pending.get(packed.rows[i]!);
      if (ids === undefined) continue;
      this.pending.delete(packed.rows[i]!);
      const [from, to] = ids;
      const end = packed.ends[i]!;
      // Every place the record carries its id (a record may carry it twice, e.g. once per event).
      // The id is a digest of the content, so the content cannot hold it by chance.
      for (let at = bytes.indexOf(from, i === 0 ? 0 : packed.ends[i - 1]! + 1); at !== -1 && at + from.length <= end; at = bytes.indexOf(from, at + from.length)) {
        to.copy(bytes, at);
      }
    }
  }
}
