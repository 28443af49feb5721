// A Look's header, read before its rows: a run plans from it, and a command shows or checks it
// before it runs. Both take it the same way from the same events.

import type { LookEvent } from "./read-look.js";
import type { LookHeader } from "./types.js";

/** The header and the events after it, which continue the same read (nothing is read twice). */
export interface PeekedLook {
  readonly header: LookHeader;
  readonly rest: AsyncIterator<LookEvent>;
}

/**
 * Reads the Look's first event: its header, or `undefined` when the Look has none (it ends first,
 * or starts with rows: not a json_detail result). A failing read rejects.
 */
export async function peekHeader(events: AsyncIterable<LookEvent>): Promise<PeekedLook | undefined> {
  const rest = events[Symbol.asyncIterator]();
  const first = await rest.next();
  return first.done === true || first.value.kind !== "header" ? undefined : { header: first.value.header, rest };
}
