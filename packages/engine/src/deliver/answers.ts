// What an API's answer says beyond its status, as the manifest declares it (`wire.credentialsRefused`,
// `wire.refusedRecords`): whether the credentials were refused, and which records of the request
// were refused and why.

import type { CredentialsRefused, RefusalList, RefusedRecords } from "../generated/manifest.js";

/** A record of a request that the answer named as refused. */
export interface RefusedRecord {
  /** Its index (from 0) among the request's records. */
  readonly index: number;
  /** The API's message, or the manifest's for lists that carry none. */
  readonly message: string;
  /** The answer's key that listed it. */
  readonly list: string;
}

/** The manifest's declarations about answers, ready for a run. */
export interface AnswerRules {
  /** Whether this answer means the credentials (or the workspace) were refused. */
  refusesCredentials(status: number, body: string): boolean;
  /** Where answers list refused records, if the API does. */
  readonly refusedRecords?: RefusedRecords;
  /** The envelope's key holding the records: entries naming another request array are not about them. */
  readonly itemsKey?: string;
}

export const noAnswerRules: AnswerRules = { refusesCredentials: () => false };

export function answerRules(
  wire: { readonly credentialsRefused?: ReadonlyArray<CredentialsRefused>; readonly refusedRecords?: RefusedRecords; readonly envelope: { readonly itemsKey?: string } },
): AnswerRules {
  const matchers = (wire.credentialsRefused ?? []).map((c) => ({ status: c.status, body: c.bodyPattern === undefined ? undefined : new RegExp(c.bodyPattern, "i") }));
  return {
    refusesCredentials: (status, body) => matchers.some((m) => m.status === status && (m.body === undefined || m.body.test(body))),
    ...(wire.refusedRecords !== undefined ? { refusedRecords: wire.refusedRecords } : {}),
    ...(wire.envelope.itemsKey !== undefined ? { itemsKey: wire.envelope.itemsKey } : {}),
  };
}

/**
 * The records an answer's body names as refused, one entry per record (a record listed twice
 * gets both messages). Indices outside the request's `count` records are ignored: they cannot be
 * told apart from a misreading.
 */
export function refusedRecordsOf(body: string, rules: AnswerRules, count: number): RefusedRecord[] {
  const spec = rules.refusedRecords;
  if (spec === undefined || body.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!isObject(parsed)) return [];
  const byIndex = new Map<number, { messages: string[]; list: string }>();
  const add = (index: unknown, message: string, list: string) => {
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) return;
    const seen = byIndex.get(index);
    if (seen === undefined) byIndex.set(index, { messages: [message], list });
    else if (!seen.messages.includes(message)) seen.messages.push(message);
  };
  for (const list of spec.lists) readList(parsed[list.key], list, rules.itemsKey, add);
  return [...byIndex].sort(([a], [b]) => a - b).map(([index, r]) => ({ index, message: r.messages.join("; "), list: r.list }));
}

function readList(value: unknown, list: RefusalList, itemsKey: string | undefined, add: (index: unknown, message: string, list: string) => void): void {
  switch (list.names) {
    case "objects":
      if (!Array.isArray(value)) return;
      for (const entry of value) {
        if (!isObject(entry)) continue;
        if (list.arrayField !== undefined && itemsKey !== undefined && entry[list.arrayField] !== undefined && entry[list.arrayField] !== itemsKey) continue;
        const message = entry[list.messageField!];
        add(entry[list.indexField!], typeof message === "string" && message !== "" ? clip(message) : `listed in \`${list.key}\``, list.key);
      }
      return;
    case "indices":
      if (!Array.isArray(value)) return;
      for (const index of value) add(index, list.message!, list.key);
      return;
    case "field-indices":
      if (!isObject(value)) return;
      for (const [field, indices] of Object.entries(value)) {
        if (!Array.isArray(indices)) continue;
        for (const index of indices) add(index, list.message!.replaceAll("{field}", field), list.key);
      }
      return;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** An API's text, short enough for a report line. */
export const clip = (text: string): string => (text.length > 300 ? `${text.slice(0, 297)}...` : text);
