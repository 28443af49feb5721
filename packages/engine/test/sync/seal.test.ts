import { describe, expect, it } from "vitest";
import { sealKeyOf, seal, unseal } from "../../src/sync/seal.js";
import { IdentityPart, clearingRecord } from "../../src/sync/clearing.js";
import type { Clearing } from "../../src/generated/manifest.js";

const salt = new Uint8Array(32).fill(1);

describe("sealed identities", () => {
  it("open with the key of the same credentials and salt only", () => {
    const key = sealKeyOf({ apiKey: "k", apiSecret: "s" }, salt)!;
    const sealed = seal(key, '{"a":[["user_identities",{"email":"a@example.com"}]],"n":["tier"]}', new Uint8Array(16).fill(9));
    expect(Buffer.from(sealed).toString("latin1")).not.toContain("example.com");
    expect(unseal(sealKeyOf({ apiSecret: "s", apiKey: "k" }, salt)!, sealed)).toContain("a@example.com");
    expect(unseal(sealKeyOf({ apiKey: "k", apiSecret: "rotated" }, salt)!, sealed)).toBeUndefined();
    expect(unseal(sealKeyOf({ apiKey: "k", apiSecret: "s" }, new Uint8Array(32))!, sealed)).toBeUndefined();
    const altered = sealed.slice();
    altered[20] = altered[20]! ^ 1;
    expect(unseal(key, altered)).toBeUndefined();
  });

  it("need a credential to derive the key from", () => {
    expect(sealKeyOf({ apiKey: undefined, apiSecret: "" }, salt)).toBeUndefined();
  });
});

describe("clearing records", () => {
  const fillKeys = ["_update_existing_only"];
  it("keep the address and the attribute names, and write them as the connector declares", () => {
    const clear: Clearing = { address: ["user_identities"], attributes: "user_attributes", as: { kind: "names", target: "deleted_user_attributes" } };
    const text = new IdentityPart({ clear, fillKeys: [], sealKey: salt }).of({ user_identities: { email: "a@example.com" }, user_attributes: { tier: "gold", city: "Lyon" } });
    expect(clearingRecord(text, clear)).toEqual({ user_identities: { email: "a@example.com" }, deleted_user_attributes: ["tier", "city"] });
  });

  it("take a record's own keys as attributes, less the address, the fills and the kept names", () => {
    const clear: Clearing = { address: ["external_id", "email"], attributes: "", keep: ["plan"], as: { kind: "null" } };
    const text = new IdentityPart({ clear, fillKeys, sealKey: salt }).of({ external_id: "u1", plan: "pro", city: "Lyon", _update_existing_only: true });
    expect(clearingRecord(text, clear)).toEqual({ external_id: "u1", city: null });
  });

  it("write an operation object and constants", () => {
    const clear: Clearing = { address: ["user_id"], attributes: "user_properties", as: { kind: "operation", target: "user_properties.$unset", value: "-" }, set: { event_type: "$identify" } };
    const text = new IdentityPart({ clear, fillKeys: [], sealKey: salt }).of({ user_id: "u1", user_properties: { plan: "pro" } });
    expect(clearingRecord(text, clear)).toEqual({ user_id: "u1", user_properties: { $unset: { plan: "-" } }, event_type: "$identify" });
  });

  it("refuse a text that is no identity", () => {
    expect(clearingRecord("not json", { address: ["a"], attributes: "b", as: { kind: "null" } })).toBeUndefined();
  });
});
