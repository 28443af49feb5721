import { checkBodyKey, type ExpectedCredentials } from "./auth.js";
import type { WireProfile } from "./profile.js";
import type { ConnectorStore } from "./state.js";
import { recordSizes } from "./record-sizes.js";
import { refusalLists, type RefusedByEmulator } from "./refusals.js";

/**
 * The request is answered as success (`ok`), or 400 with these messages (nothing accepted);
 * `lists` are the answer's lists of refused records, for an API that names them (`wire.refusedRecords`).
 */
export type IntakeResult = { ok: true; lists?: Record<string, unknown> } | { ok: false; messages: string[]; lists?: Record<string, unknown> };

export const TOO_MANY_RECORDS = "too many records in one request";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const refuse = (...messages: string[]): IntakeResult => ({ ok: false, messages });

/**
 * Applies a connector's wire rules to one request body and stores what the API would accept.
 * `implied` is set for a one-record path: the body is one record and gets these fields.
 * The body fields of `credentials` (a key carried in the body) are checked here.
 */
export function intake(
  profile: WireProfile,
  store: ConnectorStore,
  body: Buffer,
  implied: Record<string, string> | null,
  validate: boolean,
  credentials: ExpectedCredentials,
): IntakeResult {
  const { wire } = profile;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return refuse("malformed JSON");
  }

  // A key in the body is part of the request's content: missing or wrong, the request is a bad one (400).
  for (const [field, expected] of Object.entries(credentials.bodyFields)) {
    if (!isObject(parsed)) return refuse(`body must be a JSON object carrying "${field}"`);
    const outcome = checkBodyKey(parsed[field], expected);
    if (outcome === "missing") return refuse(`request missing required field "${field}"`);
    if (outcome === "wrong") return refuse(`invalid "${field}"`);
    if (implied) {
      const { [field]: _key, ...record } = parsed;
      parsed = record;
    }
  }

  let records: unknown[];
  if (implied) {
    if (!isObject(parsed)) return refuse("body must be one JSON object (one record)");
    records = [Object.keys(implied).length > 0 ? { ...parsed, ...implied } : parsed];
  } else if (wire.envelope.kind === "array") {
    if (!Array.isArray(parsed)) return refuse("body must be a JSON array of records");
    records = parsed;
  } else {
    // The engine's manifest validation guarantees an `object` envelope names its items key.
    const itemsKey = wire.envelope.itemsKey!;
    const items = isObject(parsed) ? parsed[itemsKey] : undefined;
    if (!Array.isArray(items)) return refuse(`body must be a JSON object whose "${itemsKey}" is an array of records`);
    records = items;
  }

  // A record can only be too large if the whole body is; most requests skip measuring records.
  const maxRecordBytes = wire.limits.maxRecordBytes;
  if (body.length > maxRecordBytes) {
    // Records as they arrived; a one-record path's record has fields added, so it is serialised.
    const arrived = implied ? undefined : recordSizes(body, wire.envelope.kind === "array" ? undefined : wire.envelope.itemsKey);
    const sizes = arrived?.length === records.length ? arrived : records.map((r) => Buffer.byteLength(JSON.stringify(r) ?? ""));
    for (let i = 0; i < sizes.length; i++) {
      if (sizes[i]! > maxRecordBytes) return refuse(`record ${i}: ${sizes[i]} bytes, over the ${maxRecordBytes}-byte limit for one record`);
    }
  }

  const dropsInvalid = profile.emulation.invalidRecord === "accepted-then-dropped";
  const maxRecords = wire.limits.maxRecordsPerRequest;
  if (records.length > maxRecords) {
    if (!dropsInvalid) return refuse(`${records.length} records in one request, over the limit of ${maxRecords}`);
    store.drop(TOO_MANY_RECORDS, records.length);
    return { ok: true };
  }

  if (!validate) {
    for (const record of records) store.accept(record);
    return { ok: true };
  }

  const check = profile.connector.validateRecord;
  const named = wire.refusedRecords;
  if (named !== undefined) {
    const refused: RefusedByEmulator[] = [];
    records.forEach((record, index) => {
      const lines = check(record);
      if (lines !== undefined) refused.push({ index, lines });
    });
    if (refused.length === 0) {
      for (const record of records) store.accept(record);
      return { ok: true };
    }
    const lists = refusalLists(named, wire.envelope.itemsKey, refused);
    if (named.answer === "client-error") {
      // The API takes none of the request: the sender is to send the others again.
      return { ok: false, messages: refused.flatMap((r) => r.lines.map((line) => `record ${r.index}: ${line}`)), lists };
    }
    const refusedAt = new Set(refused.map((r) => r.index));
    records.forEach((record, index) => {
      if (!refusedAt.has(index)) store.accept(record);
    });
    for (const r of refused) store.drop(r.lines.join("; "));
    return { ok: true, lists };
  }
  if (dropsInvalid) {
    for (const record of records) {
      const problems = check(record);
      if (problems === undefined) store.accept(record);
      else store.drop(problems.join("; "));
    }
    return { ok: true };
  }

  const messages: string[] = [];
  for (let i = 0; i < records.length; i++) {
    for (const line of check(records[i]) ?? []) messages.push(`record ${i}: ${line}`);
  }
  if (messages.length > 0) return { ok: false, messages };
  for (const record of records) store.accept(record);
  return { ok: true };
}
