import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RecordDigests, shapeFingerprint, type DigestSetup } from "../../src/sync/digests.js";
import type { LookFields } from "../../src/look/types.js";

const salt = new Uint8Array(32).fill(7);
const fields: LookFields = {
  dimensions: [{ name: "users.id", primary_key: true }, { name: "users.email", tags: ["email"] }],
  measures: [],
  table_calculations: [],
  pivots: [],
};
const fingerprint = shapeFingerprint(fields, { options: { data_type: "user_data" } });

/** First 16 bytes of SHA-256 over the parts, as the design defines each digest. */
function sha(...parts: Array<Uint8Array | string>): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, 16).toString("hex");
}

function digestsOf(setup: DigestSetup, row: Record<string, { value: unknown }>, record: Record<string, unknown>, content = JSON.stringify(record)) {
  const out = new Uint8Array(32);
  new RecordDigests(setup).write(row, record, content, out, 0);
  return { key: Buffer.from(out.subarray(0, 16)).toString("hex"), content: Buffer.from(out.subarray(16)).toString("hex") };
}

describe("RecordDigests", () => {
  const record = { user_identities: { customer_id: "c1", email: "a@example.com" }, user_attributes: { tier: "gold" } };
  const row = { "users.id": { value: 42 }, "users.email": { value: "a@example.com" } };

  it("keys a row by its primary-key dimensions", () => {
    const d = digestsOf({ salt, fingerprint, keys: { kind: "primaryKey", fields: ["users.id"] } }, row, record);
    expect(d.key).toBe(sha(salt, "[42]"));
    expect(d.content).toBe(sha(salt, Buffer.from(fingerprint, "hex"), JSON.stringify(record)));
  });

  it("keys a row by the first subject path its record holds", () => {
    const setup: DigestSetup = { salt, fingerprint, keys: { kind: "subject", paths: ["user_identities.customer_id", "user_identities.email"] } };
    expect(digestsOf(setup, row, record).key).toBe(sha(salt, JSON.stringify(["user_identities.customer_id", "c1"])));
    const noCustomer = { user_identities: { email: "a@example.com" } };
    expect(digestsOf(setup, row, noCustomer).key).toBe(sha(salt, JSON.stringify(["user_identities.email", "a@example.com"])));
    // Neither path: the content keys it, so such rows are never merged.
    expect(digestsOf(setup, row, { user_attributes: { tier: "gold" } }).key).toBe(sha(salt, JSON.stringify({ user_attributes: { tier: "gold" } })));
  });

  it("keys an event-shaped record by its content, without run fills", () => {
    const content = JSON.stringify({ events: [{ data: { event_name: "x" } }] });
    const d = digestsOf({ salt, fingerprint, keys: { kind: "content" } }, row, { ...JSON.parse(content), source_request_id: "id" }, content);
    expect(d.key).toBe(sha(salt, content));
  });

  it("salts both digests per sync", () => {
    const a = digestsOf({ salt, fingerprint, keys: { kind: "content" } }, row, record);
    const b = digestsOf({ salt: new Uint8Array(32).fill(8), fingerprint, keys: { kind: "content" } }, row, record);
    expect(b.key).not.toBe(a.key);
    expect(b.content).not.toBe(a.content);
  });

  it("hashes long and non-ASCII contents whole", () => {
    const long = { user_attributes: { note: "é🙂".repeat(2000) } };
    const d = digestsOf({ salt, fingerprint, keys: { kind: "content" } }, row, long);
    expect(d.content).toBe(sha(salt, Buffer.from(fingerprint, "hex"), JSON.stringify(long)));
  });

  it("gives the same content digest from the content's UTF-8 bytes as from its text, short and long, one after another", () => {
    const setup: DigestSetup = { salt, fingerprint, keys: { kind: "content" } };
    const digests = new RecordDigests(setup);
    for (const r of [record, { user_attributes: { note: "é🙂".repeat(2000) } }, { a: 1 }, record]) {
      const content = JSON.stringify(r);
      const fromText = new Uint8Array(32);
      const fromBytes = new Uint8Array(32);
      digests.write(row, r, content, fromText, 0);
      digests.write(row, r, content, fromBytes, 0, Buffer.from(content));
      expect(Buffer.from(fromBytes).toString("hex")).toBe(Buffer.from(fromText).toString("hex"));
      expect(Buffer.from(fromBytes.subarray(16)).toString("hex")).toBe(sha(salt, Buffer.from(fingerprint, "hex"), content));
    }
  });
});

describe("shapeFingerprint", () => {
  it("changes with the columns, their tags and the options, not with their order of options", () => {
    const base = shapeFingerprint(fields, { options: { a: "1", b: "2" } });
    expect(shapeFingerprint(fields, { options: { b: "2", a: "1" } })).toBe(base);
    expect(shapeFingerprint(fields, { options: { a: "1", b: "3" } })).not.toBe(base);
    const retagged = { ...fields, dimensions: [fields.dimensions[0]!, { name: "users.email", tags: ["user_id"] }] };
    expect(shapeFingerprint(retagged, { options: { a: "1", b: "2" } })).not.toBe(base);
    const more = { ...fields, measures: [{ name: "users.count" }] };
    expect(shapeFingerprint(more, { options: { a: "1", b: "2" } })).not.toBe(base);
  });
});
