// Canary credentials and row values sent where they could come back: a destination that quotes the
// request in its error answer (as JSON, or as an HTML page) or in the messages of the records it
// refused inside a 2xx answer, a credential typed into the wrong setting, the hub secret typed into a
// form field. Everything the server writes (log lines) and answers (response bodies) is scanned.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorsDir } from "@tagwire/engine";
import { bigLook, executeBody, startHarness, type Harness } from "./support.js";

const CANARY = {
  apiKey: "canary-key-7f3a9c21",
  apiSecret: "canary-secret-0b8e44d6",
  writeKey: "canary-writekey-5d1e2f90",
  brazeKey: "canary-brazekey-91c4a7e3",
};
const base64 = (text: string) => Buffer.from(text).toString("base64");
/** Every form a credential can take on the wire. */
const credentialForms = [
  ...Object.values(CANARY),
  base64(`${CANARY.apiKey}:${CANARY.apiSecret}`),
  base64(`${CANARY.writeKey}:`),
  encodeURIComponent(CANARY.apiSecret),
];

const htmlEntities = (text: string) => text.replace(/[@.&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A destination that answers 400 quoting everything it received (headers and body), in the page's words: JSON fields, or HTML. */
let quoting: Server;
let quoteAs: "json" | "html" = "json";
/** A destination that takes the request (2xx) but names every record refused, quoting the record's values and the headers. */
let refusing: Server;
let h: Harness;

function listening(handle: (body: string, authorization: string, res: import("node:http").ServerResponse) => void): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(Buffer.concat(chunks).toString("utf8"), req.headers.authorization ?? "", res));
  });
}
async function urlOf(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  quoting = listening((body, authorization, res) => {
    const echo = `Authorization: ${authorization}; body: ${body.slice(0, 2000)}`;
    if (quoteAs === "html") {
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
      res.end(`<html><body><h1>400 Bad Request</h1><pre>${htmlEntities(echo)}</pre><a href="/retry?${encodeURIComponent(echo)}">again</a></body></html>`);
      return;
    }
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "BAD_REQUEST", message: echo }], success: false, message: echo }));
  });
  refusing = listening((body, authorization, res) => {
    const objects = (JSON.parse(body) as { attributes: Array<Record<string, unknown>> }).attributes;
    const errors = objects.map((o, index) => ({
      type: `'email' is invalid: ${String(o["email"])} (${encodeURIComponent(String(o["email"]))}, ${htmlEntities(JSON.stringify(o))}) for ${authorization}`,
      input_array: "attributes",
      index,
    }));
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "success", errors }));
  });
  const quotingUrl = await urlOf(quoting);
  h = await startHarness({}, {}, { TAGWIRE_MPARTICLE_URL: quotingUrl, TAGWIRE_SEGMENT_URL: quotingUrl, TAGWIRE_BRAZE_URL: await urlOf(refusing) });
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => quoting.close(() => resolve()));
  await new Promise<void>((resolve) => refusing.close(() => resolve()));
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

  it("a destination quoting the request in an HTML page, URL-encoded and as character references: the page is not quoted", async () => {
    quoteAs = "html";
    try {
      const look = bigLook(3);
      const emails = look.data.map((row) => String((row["users.email"] as { value: unknown }).value));
      const { looker } = await h.execute("segment_event", executeBody({ data: { segment_write_key: CANARY.writeKey }, look }));
      expect(looker.success).toBe(false);
      expect(looker.message).toMatch(/HTTP 400, a text\/html answer \(not shown\)/);
      for (const text of everythingWritten()) {
        for (const email of emails) for (const form of [email, encodeURIComponent(email), htmlEntities(email)]) expect(text).not.toContain(form);
        for (const form of credentialForms) expect(text).not.toContain(form);
      }
    } finally {
      quoteAs = "json";
    }
  });

  it("a destination naming refused records inside a 2xx answer, quoting their values: the messages reach Looker and the log without them", async () => {
    const look = JSON.parse(readFileSync(join(connectorsDir, "braze", "fixtures", "attributes.look.json"), "utf8")) as { data: Array<Record<string, { value: unknown }>> };
    const rows = [0, 1].map((i) => ({ email: `canary-row${i}-2c7d90@example.com`, plan: `canary-plan${i}-b41e` }));
    look.data = rows.map((r, i) => ({ "users.id": { value: `canary-id${i}-e05f` }, "users.email": { value: r.email }, "users.lifetime_value": { value: 10 + i }, "users.plan": { value: r.plan }, "users.is_vip": { value: false }, "users.city": { value: "Lyon" } }));
    const { looker } = await h.execute("braze", executeBody({ data: { braze_api_key: CANARY.brazeKey }, look: JSON.stringify(look) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Braze: 0 of 2 rows delivered; 2 rejected \(refused by Braze: 'email' is invalid: …/);
    const canaries = [...rows.flatMap((r) => [r.email, encodeURIComponent(r.email), htmlEntities(r.email), r.plan]), "canary-id0-e05f", "canary-id1-e05f", CANARY.brazeKey];
    const finished = h.logs.find((line) => line.includes("execute finished") && line.includes("refused by Braze"));
    expect(finished).toBeDefined();
    for (const text of everythingWritten()) for (const canary of canaries) expect(text).not.toContain(canary);
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
