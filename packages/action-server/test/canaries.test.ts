// Canary credentials and row values sent where they could come back: a destination that quotes the
// request in its error answer, a credential typed into the wrong setting, the hub secret typed into a
// form field. Everything the server writes (log lines) and answers (response bodies) is scanned.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigLook, executeBody, startHarness, type Harness } from "./support.js";

const CANARY = {
  apiKey: "canary-key-7f3a9c21",
  apiSecret: "canary-secret-0b8e44d6",
  writeKey: "canary-writekey-5d1e2f90",
};
const base64 = (text: string) => Buffer.from(text).toString("base64");
/** Every form a credential can take on the wire. */
const credentialForms = [
  ...Object.values(CANARY),
  base64(`${CANARY.apiKey}:${CANARY.apiSecret}`),
  base64(`${CANARY.writeKey}:`),
  encodeURIComponent(CANARY.apiSecret),
];

/** A destination that answers 400 quoting everything it received: headers and body. */
let quoting: Server;
let quotingUrl: string;
let h: Harness;

beforeAll(async () => {
  quoting = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const echo = `Authorization: ${req.headers.authorization ?? ""}; body: ${Buffer.concat(chunks).toString("utf8").slice(0, 2000)}`;
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "BAD_REQUEST", message: echo }], success: false, message: echo }));
    });
  });
  await new Promise<void>((resolve) => quoting.listen(0, "127.0.0.1", resolve));
  quotingUrl = `http://127.0.0.1:${(quoting.address() as AddressInfo).port}`;
  h = await startHarness({}, {}, { TAGWIRE_MPARTICLE_URL: quotingUrl, TAGWIRE_SEGMENT_URL: quotingUrl });
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => quoting.close(() => resolve()));
});

const everythingWritten = () => [...h.logs, ...h.bodies];

describe("canary credentials", () => {
  it("a destination quoting the request's Authorization header: no form of the credentials reaches the message or the log", async () => {
    const mp = await h.execute("mparticle", executeBody({ data: { apiKey: CANARY.apiKey, apiSecret: CANARY.apiSecret }, form: { data_type: "user_data" }, look: bigLook(2) }));
    expect(mp.looker.success).toBe(false);
    const seg = await h.execute("segment_event", executeBody({ data: { segment_write_key: CANARY.writeKey }, look: bigLook(2) }));
    expect(seg.looker.success).toBe(false);
    for (const text of everythingWritten()) for (const form of credentialForms) expect(text).not.toContain(form);
  });

  it("a destination quoting the request's records: no row value reaches the message or the log", async () => {
    const look = bigLook(3);
    const emails = look.data.map((row) => String((row["users.email"] as { value: unknown }).value));
    const { looker } = await h.execute("segment_event", executeBody({ data: { segment_write_key: CANARY.writeKey }, look }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("HTTP 400");
    for (const text of everythingWritten()) for (const email of emails) expect(text).not.toContain(email);
  });

  it("a credential typed into the wrong setting is not quoted back", async () => {
    const { looker, text } = await h.execute("mparticle", executeBody({ data: { apiKey: CANARY.apiKey, apiSecret: "s".repeat(20), pod: CANARY.apiSecret }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("setting `pod` is not one of its choices");
    expect(text).not.toContain(CANARY.apiSecret);
  });

  it("the hub secret typed into a form field is not echoed in validation_errors", async () => {
    const { looker, text } = await h.execute("mparticle", executeBody({ data: { apiKey: CANARY.apiKey, apiSecret: CANARY.apiSecret }, form: { data_type: h.secret }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.validation_errors?.["data_type"]).toBeDefined();
    expect(text).not.toContain(h.secret);
    for (const line of h.logs) expect(line).not.toContain(h.secret);
  });
});
