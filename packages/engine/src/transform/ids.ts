import { createHash } from "node:crypto";

/** Formats 16 bytes of a SHA-256 digest as an RFC 9562 version-8 (custom) UUID. */
function uuidFromDigest(digest: Buffer): string {
  digest[6] = (digest[6]! & 0x0f) | 0x80;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const h = digest.toString("hex", 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Deduplication ids of a run's records: the same run and row always give the same id, so a retried
 * request or a replayed run is recognised downstream. The run is hashed once; the row number fills
 * the last 48 bits, which keeps ids unique within a run and costs no hashing per row.
 */
export function recordIds(connectorId: string, runId: string): (rowNumber: number) => string {
  const prefix = uuidFromDigest(createHash("sha256").update(`${connectorId}\u0000${runId}`).digest()).slice(0, 24);
  return (rowNumber) => prefix + rowNumber.toString(16).padStart(12, "0");
}

export function recordId(connectorId: string, runId: string, rowNumber: number): string {
  return recordIds(connectorId, runId)(rowNumber);
}

/** A stable UUID for a value (e.g. an anonymous id from an email): the same across runs. */
export function uuidOf(connectorId: string, path: string, value: unknown): string {
  return uuidFromDigest(createHash("sha256").update(`${connectorId}\u0000${path}\u0000${String(value)}`).digest());
}
