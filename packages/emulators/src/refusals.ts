// How an API names, in its answer, the records its schema refused (`wire.refusedRecords`): the
// emulator builds that part of the answer from the manifest, so an engine reading the lists is
// tested against the same declaration it reads.

import type { RefusalList, RefusedRecords } from "@tagwire/engine";

/** A record the wire schema refused: its index in the request and the engine's problem lines. */
export interface RefusedByEmulator {
  readonly index: number;
  readonly lines: ReadonlyArray<string>;
}

type Fault = { readonly kind: "missing-field" | "invalid-field"; readonly field: string };

/**
 * What a problem line (`/path: message`, see the engine's describeRecordErrors) says about the
 * record's top-level fields: one missing, or one holding an invalid value.
 */
export function faultOf(line: string): Fault {
  const colon = line.indexOf(": ");
  const where = colon < 0 ? "/" : line.slice(0, colon);
  const message = colon < 0 ? line : line.slice(colon + 2);
  const top = where.split("/")[1];
  const named = /propert(?:y|ies) '([^']+)'/.exec(message)?.[1];
  if (top !== undefined && top !== "") return { kind: "invalid-field", field: top };
  if (/^must have (?:required property|one of the properties)/.test(message) && named !== undefined) return { kind: "missing-field", field: named };
  return { kind: "invalid-field", field: named ?? "" };
}

/** The answer's lists naming `refused`, each record in the first declared list that fits its first problem. */
export function refusalLists(spec: RefusedRecords, itemsKey: string | undefined, refused: ReadonlyArray<RefusedByEmulator>): Record<string, unknown> {
  const lists: Record<string, unknown> = {};
  for (const record of refused) {
    const fault = faultOf(record.lines[0] ?? "");
    const list = spec.lists.find((l) => l.refuses === fault.kind) ?? spec.lists.find((l) => l.refuses === "any") ?? spec.lists.find((l) => l.refuses !== "other");
    if (list !== undefined) addTo(lists, list, record, fault.field, itemsKey);
  }
  return lists;
}

function addTo(lists: Record<string, unknown>, list: RefusalList, record: RefusedByEmulator, field: string, itemsKey: string | undefined): void {
  switch (list.names) {
    case "objects": {
      const entries = (lists[list.key] ??= []) as unknown[];
      entries.push({
        [list.messageField!]: record.lines.join("; "),
        ...(list.arrayField !== undefined && itemsKey !== undefined ? { [list.arrayField]: itemsKey } : {}),
        [list.indexField!]: record.index,
      });
      return;
    }
    case "indices":
      ((lists[list.key] ??= []) as number[]).push(record.index);
      return;
    case "field-indices": {
      const byField = (lists[list.key] ??= {}) as Record<string, number[]>;
      (byField[field || "record"] ??= []).push(record.index);
      return;
    }
  }
}
