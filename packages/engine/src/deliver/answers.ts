// What an API's answer says beyond its status, as the manifest declares it (`wire.credentialsRefused`,
// `wire.refusedRecords`, `wire.errorFields`): whether the credentials were refused, which records of
// the request were refused and why, and what of an error answer may be shown.

import type { CredentialsRefused, RefusalList, RefusedRecords } from "../generated/manifest.js";
import { answerText, RequestValues, withoutRequestValues } from "./answer-text.js";

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
  /** The fields of a JSON error answer that may be shown (its code, its message). */
  readonly errorFields?: ReadonlyArray<string>;
}

export const noAnswerRules: AnswerRules = { refusesCredentials: () => false };

export function answerRules(
  wire: {
    readonly credentialsRefused?: ReadonlyArray<CredentialsRefused>;
    readonly refusedRecords?: RefusedRecords;
    readonly errorFields?: ReadonlyArray<string>;
    readonly envelope: { readonly itemsKey?: string };
  },
): AnswerRules {
  const matchers = (wire.credentialsRefused ?? []).map((c) => ({ status: c.status, body: c.bodyPattern === undefined ? undefined : new RegExp(c.bodyPattern, "i") }));
  return {
    refusesCredentials: (status, body) => matchers.some((m) => m.status === status && (m.body === undefined || m.body.test(body))),
    ...(wire.refusedRecords !== undefined ? { refusedRecords: wire.refusedRecords } : {}),
    ...(wire.envelope.itemsKey !== undefined ? { itemsKey: wire.envelope.itemsKey } : {}),
    ...(wire.errorFields !== undefined && wire.errorFields.length > 0 ? { errorFields: wire.errorFields } : {}),
  };
}

/**
 * An error answer as a report gives it: `HTTP 400: <text>` from the fields the manifest declares
 * safe to show (`errorFields`), without anything the request carried; otherwise only what kind of
 * answer it was, `HTTP 400, a text/html answer (not shown)`: an answer's other
 * parts (an HTML page, a plain-text echo) can quote the request in any encoding.
 */
export function describeAnswer(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, body: string, rules: AnswerRules, request: RequestValues): string {
  if (body.trim() === "") return `HTTP ${status}`;
  const texts = declaredTexts(body, rules.errorFields ?? []);
  if (texts.length > 0) return `HTTP ${status}: ${answerText(texts.join("; "), request)}`;
  const type = contentTypeOf(headers["content-type"], request);
  // No size: failures are grouped by their reason, and answers that echo each request differ in length.
  return `HTTP ${status}, ${type === undefined ? "an answer" : `${/^[aeiou]/i.test(type) ? "an" : "a"} ${type} answer`} (not shown)`;
}

/** The texts (strings and numbers) at the declared fields of a JSON answer, each once, in the order declared. */
function declaredTexts(body: string, fields: ReadonlyArray<string>): string[] {
  if (fields.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const texts = new Set<string>();
  for (const field of fields) {
    let nodes: unknown[] = [parsed];
    for (const step of field.split(".")) {
      const each = step.endsWith("[]");
      const key = each ? step.slice(0, -2) : step;
      nodes = nodes.flatMap((n) => (isObject(n) && Object.hasOwn(n, key) ? [n[key]] : []));
      if (each) nodes = nodes.flatMap((n) => (Array.isArray(n) ? n : []));
    }
    for (const n of nodes) {
      const text = typeof n === "string" ? n.trim() : typeof n === "number" && Number.isFinite(n) ? String(n) : "";
      if (text !== "") texts.add(text);
    }
  }
  return [...texts];
}

/** `text/html` of `text/html; charset=utf-8`; undefined when absent or not a media type. */
function contentTypeOf(header: string | string[] | undefined, request: RequestValues): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.split(";")[0]?.trim().toLowerCase();
  // A header is the destination's text too: only a plain media type is named, and only one the request did not carry.
  if (value === undefined || !/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(value)) return undefined;
  return withoutRequestValues(value, request) === value ? value : undefined;
}

/**
 * The records an answer's body names as refused, one entry per record (a record listed twice
 * gets both messages). Indices outside the request's `count` records are ignored: they cannot be
 * told apart from a misreading. The API's messages come without anything of `request`.
 */
export function refusedRecordsOf(body: string, rules: AnswerRules, count: number, request: RequestValues = new RequestValues("")): RefusedRecord[] {
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
  for (const list of spec.lists) readList(parsed[list.key], list, rules.itemsKey, request, add);
  return [...byIndex].sort(([a], [b]) => a - b).map(([index, r]) => ({ index, message: r.messages.join("; "), list: r.list }));
}

function readList(value: unknown, list: RefusalList, itemsKey: string | undefined, request: RequestValues, add: (index: unknown, message: string, list: string) => void): void {
  switch (list.names) {
    case "objects":
      if (!Array.isArray(value)) return;
      for (const entry of value) {
        if (!isObject(entry)) continue;
        if (list.arrayField !== undefined && itemsKey !== undefined && entry[list.arrayField] !== undefined && entry[list.arrayField] !== itemsKey) continue;
        const message = entry[list.messageField!];
        add(entry[list.indexField!], typeof message === "string" && message !== "" ? answerText(message, request) : `listed in \`${list.key}\``, list.key);
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
