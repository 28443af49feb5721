// Hostile requests the other server tests do not already send: each gets a clear answer, the
// server keeps answering the next request, and no configured secret ever appears in a log line
// or a response body.

import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "./process.js";
import {
  bigLook, chunked, executeBody, failing, logEntries, startDownloads, startHarness, whole,
  type Harness, type LookJson, type LookerDownloads,
} from "./support.js";

let h: Harness;
let downloads: LookerDownloads;
beforeAll(async () => {
  downloads = await startDownloads();
  h = await startHarness({ maxBodyBytes: 16 * 1024 * 1024, downloadIdleMs: 1_000, keepAliveMs: 1_000, retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 } });
});
afterAll(async () => {
  await h.close();
  await downloads.close();
});
beforeEach(() => h.emulators.reset());

const MP_FORM = { data_type: "user_data", environment: "development" };

/** The server still answers: health without a token, and the action list with one. */
async function stillUp(): Promise<void> {
  const health = await fetch(`${h.server.url}/healthz`);
  expect(health.status).toBe(200);
  h.bodies.push(await health.text());
  const list = await h.post("/");
  expect(list.status).toBe(200);
  expect(list.json.integrations.length).toBeGreaterThan(0);
}

/** Writes raw bytes on a fresh connection and returns everything the server sends back before closing. */
function raw(bytes: string | Buffer, { destroyAfterWrite = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(h.server.port, "127.0.0.1");
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
    socket.on("error", (e) => (destroyAfterWrite ? resolve(text) : reject(e)));
    socket.on("close", () => {
      h.bodies.push(text);
      resolve(text);
    });
    socket.write(bytes, () => {
      if (destroyAfterWrite) socket.destroy();
      else socket.end();
    });
  });
}

/** A request with an Authorization header as raw bytes (fetch refuses some of these); returns the status and body. */
async function withAuthorization(value: string): Promise<{ status: number; body: string }> {
  const reply = await raw(Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nAuthorization: ${value}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, "latin1"));
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(reply)?.[1] ?? 0);
  return { status, body: reply.slice(reply.indexOf("\r\n\r\n") + 4) };
}

/** Nesting `depth` levels deep, objects inside objects. */
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describe("malformed requests", () => {
  it("an empty body, `null`, and JSON behind a byte order mark get 400 naming the problem", async () => {
    const empty = await h.post("/actions/segment_event/execute", undefined, { raw: "" });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatch(/^The request body is not valid JSON: /);
    const nul = await h.post("/actions/segment_event/execute", undefined, { raw: "null" });
    expect(nul.status).toBe(400);
    expect(nul.json.error).toBe("The execute request body must be a JSON object.");
    const bom = await h.post("/actions/segment_event/execute", undefined, { raw: `\ufeff${JSON.stringify(executeBody({ data: h.settings.segment, look: bigLook(1) }))}` });
    expect(bom.status).toBe(400);
    expect(bom.json.error).toMatch(/^The request body is not valid JSON: /);
    await stillUp();
  });

  it("a body nested 50,000 levels deep gets 400, not a crash", async () => {
    const res = await h.post("/actions/segment_event/execute", undefined, { raw: `{"data":{"segment_write_key":${deepObject(50_000)}},"attachment":{"data":"{}"}}` });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("`data.segment_write_key` must be a string.");
    await stillUp();
  });

  it("`__proto__` and `constructor` as form fields are unknown options, named; nothing is polluted", async () => {
    const body = `{"data":${JSON.stringify(h.settings.segment)},"form_params":{"__proto__":"x","constructor":"y"},"attachment":{"data":${JSON.stringify(JSON.stringify(bigLook(2)))}}}`;
    const res = await h.post("/actions/segment_event/execute", undefined, { raw: body });
    expect(res.status).toBe(200);
    expect(res.json.looker.success).toBe(false);
    expect(Object.keys(res.json.looker.validation_errors).sort()).toEqual(["__proto__", "constructor"]);
    expect(res.json.looker.message).toMatch(/^Nothing was sent\. Option __proto__: `__proto__` is not an option of Segment/);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
    expect(h.emulators.state()["segment"]!.requests).toBe(0);
    const polluting = await h.post("/actions/segment_event/execute", undefined, { raw: `{"data":{"__proto__":{"polluted":"yes"}},"attachment":{"data":"{}"}}` });
    expect(polluting.status).toBe(400);
    expect(polluting.json.error).toBe("`data.__proto__` must be a string.");
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    await stillUp();
  });

  it("a request line that is not HTTP gets 400 from the HTTP parser", async () => {
    const reply = await raw("HELLO THERE\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    await stillUp();
  });

  it("a client that goes away half-way through its body: logged, and the server carries on", async () => {
    const before = h.logs.length;
    const head = `POST /actions/segment_event/execute HTTP/1.1\r\nHost: x\r\nAuthorization: ${h.auth}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nX-Request-Id: half-body\r\n\r\n`;
    await raw(`${head}{"data":{"segment_write_key":"${h.settings.segment.segment_write_key}"`, { destroyAfterWrite: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(logEntries(h.logs.slice(before)).filter((e) => e["requestId"] === "half-body").map((e) => e["level"])).not.toContain("info");
    expect(h.emulators.state()["segment"]!.requests).toBe(0);
    await stillUp();
  });

  it("an action name of 10,000 characters gets 404 with the name cut short", async () => {
    const res = await h.post(`/actions/${"a".repeat(10_000)}/execute`, {});
    expect(res.status).toBe(404);
    expect(res.json.error.length).toBeLessThan(300);
    expect(res.json.error).toMatch(/^Unknown action `a{100}`\. Actions: /);
    await stillUp();
  });

  it("a 10 KB webhook id is cut to 200 characters in the run id", async () => {
    const id = `w${"x".repeat(10_000)}`;
    const before = h.logs.length;
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(2) }), { "x-looker-webhook-id": id });
    expect(looker.success).toBe(true);
    const finished = logEntries(h.logs.slice(before)).find((e) => e["msg"] === "execute finished")!;
    expect(finished["runId"]).toBe(id.slice(0, 200));
    await stillUp();
  });
});

describe("malformed Authorization", () => {
  it("a 10 KB token gets 403; headers over Node's 16 KB limit get 431", async () => {
    expect((await h.post("/", undefined, { auth: `Token token="${"t".repeat(10_000)}"` })).status).toBe(403);
    const huge = await raw(`POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Token token="${"t".repeat(20_000)}"\r\nContent-Length: 0\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    await stillUp();
  });

  it("tokens with quotes, control characters, non-ASCII bytes or the secret inside get 403", async () => {
    const forms = [
      `Token token="${h.secret}"x`,
      `Token token="${h.secret}" token="${h.secret}"`,
      `Token token="${h.secret}\u0001"`,
      `Token token="${h.secret}\u00e9"`,
      `Token token=""${h.secret}""`,
      `Token token="x${h.secret}"`,
      `Token  token="${h.secret.toUpperCase()}"`,
      `Token token="${"/".repeat(50)}"`,
      `Token token="${"a".repeat(40)}/${"f".repeat(128)}"`,
    ];
    for (const auth of forms) {
      const res = await withAuthorization(auth);
      // A control character is refused by the HTTP parser itself (400); everything else by the token check.
      if (auth.includes("\u0001")) expect([400, 403], auth).toContain(res.status);
      else {
        expect(res.status, auth).toBe(403);
        expect(JSON.parse(res.body).error).toMatch(/^Invalid 'Authorization' header/);
      }
    }
    expect((await withAuthorization(`Token token="${h.secret}"`)).status).toBe(200);
    await stillUp();
  });
});

/** A Look with `n` rows; `at` gets a cell nested `depth` levels deep instead of its city. */
function lookWithDeepCell(n: number, at: number, depth: number): string {
  const text = JSON.stringify(bigLook(n));
  const cell = `"users.city":{"value":"${["Berlin", "Lisbon", "Osaka"][(at - 1) % 3]}"}`;
  const rowStart = text.indexOf(`{"users.id":{"value":${5000 + at - 1}}`);
  const i = text.indexOf(cell, rowStart);
  return `${text.slice(0, i)}"users.city":{"value":${deepObject(depth)}}${text.slice(i + cell.length)}`;
}

describe("hostile Looks", () => {
  it("a cell nested 100,000 levels deep: the value is left out (Segment) or the row rejected with its reason (mParticle); the other rows are delivered", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: lookWithDeepCell(300, 250, 100_000) }));
    expect(looker.message).toMatch(/^Segment: 300 of 300 rows delivered\. /);
    const records = h.emulators.records("segment") as Array<{ userId: string; traits: Record<string, unknown> }>;
    expect(records).toHaveLength(300);
    expect(records.find((r) => r.userId === "5249")!.traits["city"]).toBeUndefined();
    expect(records.find((r) => r.userId === "5248")!.traits["city"]).toBe("Osaka");
    const mp = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, look: lookWithDeepCell(300, 3, 100_000) }));
    expect(mp.looker.message).toMatch(/^mParticle: 299 of 300 rows delivered; 1 rejected \(`users\.city` \(mp_user_attribute\) is an object, not a single value/);
    expect(h.emulators.state()["mparticle"]!.accepted).toBe(299);
    await stillUp();
  });

  it("a data member that is a deeply nested object: nothing sent, a clear message", async () => {
    const look = `{"fields":${JSON.stringify(bigLook(1).fields)},"data":${deepObject(100_000)}}`;
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Segment: 0 of 0 rows delivered; the Look could not be read to the end: Look JSON "data" member must be an array of rows, found an object\. 0 requests/);
    await stillUp();
  });

  it("an inline Look cut off in its rows: the rows read are delivered and the message says the Look was cut short", async () => {
    const text = JSON.stringify(bigLook(150));
    const cut = text.indexOf('{"users.id":{"value":5120}') + 10;
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: text.slice(0, cut) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Segment: 120 of 120 rows delivered; the Look could not be read to the end: Look JSON ended before the data array was closed \(read 120 rows\)\./);
    expect(h.emulators.state()["segment"]!.accepted).toBe(120);
    await stillUp();
  });

  it("HTML where the Look should be (inline and by download_url): nothing sent, the message says the JSON is malformed", async () => {
    const page = "<!DOCTYPE html><html><body>Sign in to Looker</body></html>";
    const inline = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, look: page }));
    expect(inline.looker.message).toBe("Nothing was sent: Look JSON is malformed at byte 0: unexpected '<', expected '{' (a json_detail object)");
    const url = downloads.serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end(page);
    });
    const streamed = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, downloadUrl: url }));
    expect(streamed.looker.message).toBe(inline.looker.message);
    expect(h.emulators.state()["mparticle"]!.requests).toBe(0);
    await stillUp();
  });

  it("a column labelled __proto__ is delivered under that name; nothing is polluted", async () => {
    const look: LookJson = bigLook(3);
    look.fields.dimensions.push({ name: "users.odd", label_short: "__proto__", view: "users", type: "string", tags: [] });
    look.data.forEach((row, i) => (row["users.odd"] = { value: `odd ${i + 1}` }));
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look }));
    expect(looker.success).toBe(true);
    const records = h.emulators.records("segment") as Array<{ traits: object }>;
    expect(records.map((r) => Object.getOwnPropertyDescriptor(r.traits, "__proto__")?.value).sort()).toEqual(["odd 1", "odd 2", "odd 3"]);
    expect(({} as Record<string, unknown>)["odd 1"]).toBeUndefined();
    await stillUp();
  });

  it("megabytes of unknown tags are planned at once; /healthz answers meanwhile", async () => {
    const look: LookJson = bigLook(2);
    // Some in mParticle's tag family (warned about), some not (ignored): each is compared with every known tag.
    for (let i = 0; i < 8; i++) look.fields.dimensions.push({ name: `users.blob${i}`, view: "users", tags: [`${i % 2 === 0 ? "mp_" : ""}${"q".repeat(900_000)}`] });
    const started = Date.now();
    const pending = h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: MP_FORM, look }));
    const health = await fetch(`${h.server.url}/healthz`);
    expect(health.status).toBe(200);
    const { looker } = await pending;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(looker.success).toBe(true);
    expect(looker.message).toContain("2 of 2 rows delivered");
    await stillUp();
  });

  it("a cell nested 5,000 deep in an object attachment.data costs its value only (Segment leaves it out); the execute goes on", async () => {
    const look = bigLook(3);
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const lookText = JSON.stringify(look).replace('"users.city":{"value":"Lisbon"}', `"users.city":{"value":${deep}}`);
    expect(lookText).toContain(deep);
    const body = JSON.stringify(executeBody({ data: h.settings.segment })).replace(/}$/, `,"attachment":{"mimetype":"application/json","data":${lookText}}}`);
    const reply = await h.post("/actions/segment_event/execute", undefined, { raw: body });
    expect(reply.status).toBe(200);
    const looker = reply.json.looker;
    expect(looker.message).toMatch(/^Segment: 3 of 3 rows delivered\. /);
    const records = h.emulators.records("segment") as Array<{ traits: Record<string, unknown> }>;
    expect(records).toHaveLength(3);
    expect(records.filter((r) => r.traits["city"] === undefined)).toHaveLength(1);
    await stillUp();
  });

  it("a row larger than 8 MiB, inline or downloaded, is rejected alone: the other rows delivered, the limit and the setting named", async () => {
    // Row 2 of 5 (the first Lisbon) holds 9 MiB, with escaped quotes and brackets that end a careless scan early.
    const city = `${'\\"]}{[\\\\'.repeat(1000)}${"x".repeat(9 * 1024 * 1024)}`;
    const text = JSON.stringify(bigLook(5)).replace('"users.city":{"value":"Lisbon"}', `"users.city":{"value":"${city}"}`);
    expect(text.length).toBeGreaterThan(9 * 1024 * 1024);
    const reason = "row larger than 8 MiB, not read (raise TAGWIRE_MAX_ROW_BYTES if such rows are expected)";
    for (const source of ["inline", "download"] as const) {
      h.emulators.reset();
      const logged = h.logs.length;
      const body = source === "inline" ? executeBody({ data: h.settings.segment, look: text }) : executeBody({ data: h.settings.segment, downloadUrl: downloads.serve(chunked(text, 256 * 1024, 0)) });
      const { looker } = await h.execute("segment_event", body);
      expect(looker.success, source).toBe(false);
      expect(looker.message, source).toMatch(/^Segment: 4 of 5 rows delivered; 1 rejected \(row larger than 8 MiB, not read \(raise TAGWIRE_MAX_ROW_BYTES if such rows are expected\): 1\)\. /);
      expect(looker.message, source).not.toContain("could not be read");
      const records = h.emulators.records("segment") as Array<{ userId: unknown }>;
      expect(records.map((r) => r.userId).sort(), source).toEqual(["5000", "5002", "5003", "5004"]);
      const done = logEntries(h.logs.slice(logged)).find((e) => e.rejectedReasons !== undefined);
      expect(done?.rows, source).toMatchObject({ read: 5, delivered: 4, rejected: 1, failed: 0 });
      expect(done?.rejectedReasons, source).toEqual([{ reason, count: 1 }]);
    }
    const raised = await startHarness({ maxRowBytes: 16 * 1024 * 1024, maxBodyBytes: 16 * 1024 * 1024 });
    try {
      const again = await raised.execute("segment_event", executeBody({ data: raised.settings.segment, downloadUrl: downloads.serve(chunked(text, 256 * 1024, 0)) }));
      // Read whole this time: the row reaches the destination's own limit on a record's size.
      expect(again.looker.message).not.toContain("TAGWIRE_MAX_ROW_BYTES");
      expect(again.looker.message).toMatch(/^Segment: 4 of 5 rows delivered; 1 rejected \(record larger than the 32,768 bytes Segment accepts: 1\)/);
    } finally {
      await raised.close();
    }
    await stillUp();
  });
});

describe("hostile download_urls", () => {
  it("not a URL", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: "not a url" }));
    expect(looker).toMatchObject({ success: false, message: "Nothing was sent: `scheduled_plan.download_url` is not a valid URL." });
    await stillUp();
  });

  it("nothing listening there", async () => {
    const port = await freePort();
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: `http://127.0.0.1:${port}/looks/1` }));
    expect(looker.message).toBe(`Nothing was sent: could not download the Look from 127.0.0.1:${port}: ECONNREFUSED.`);
    await stillUp();
  });

  it("a redirect loop ends after got's redirect limit", async () => {
    let hops = 0;
    const loop = (): string =>
      downloads.serve((_req, res) => {
        hops++;
        res.writeHead(302, { location: loop() }).end();
      });
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: loop() }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent: could not download the Look from 127\.0\.0\.1:\d+: too many redirects\.$/);
    expect(hops).toBeLessThanOrEqual(11);
    await stillUp();
  });

  it("credentials in the URL never appear in the answer or the logs", async () => {
    const url = downloads.serve(failing(500)).replace("http://", "http://looker:url-password-0123456789@");
    const { looker, text } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(looker.message).toBe(`Nothing was sent: could not download the Look from 127.0.0.1:${downloads.port}: HTTP 500.`);
    expect(text).not.toContain("url-password");
    for (const line of h.logs) expect(line).not.toContain("url-password");
    await stillUp();
  });

  it("a download that answers with a Look whose rows never come, then stops: cut short by the idle limit", async () => {
    const text = JSON.stringify(bigLook(5));
    const head = text.slice(0, text.indexOf('"data":[') + 8);
    const url = downloads.serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(head);
      // then a space now and then for a while, then nothing at all
      let n = 0;
      const t = setInterval(() => (n++ < 5 && !res.destroyed ? res.write(" ") : clearInterval(t)), 200);
    });
    const started = Date.now();
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Segment: 0 of 0 rows delivered; the Look could not be read to the end: could not download the Look from 127\.0\.0\.1:\d+: /);
    await stillUp();
  });
});

describe("secrets", () => {
  it("a credential of a megabyte is refused by the destination and never written anywhere", async () => {
    const big = `wk-${"k".repeat(1_000_000)}`;
    const { looker, text } = await h.execute("segment_event", executeBody({ data: { segment_write_key: big }, look: bigLook(3) }));
    expect(looker.success).toBe(false);
    // Refused at once (no retry), so not "after retries".
    expect(looker.message).toMatch(/^Segment: 0 of 3 rows delivered; 3 failed \(/);
    expect(text).not.toContain("k".repeat(100));
    for (const line of h.logs) expect(line).not.toContain("k".repeat(100));
    await stillUp();
  }, 60_000);

  it("no configured secret appears in any log line or response body of this file", () => {
    expect(h.logs.length).toBeGreaterThan(30);
    expect(h.bodies.length).toBeGreaterThan(30);
    for (const secret of h.secrets) {
      for (const line of h.logs) expect(line, "log line").not.toContain(secret);
      for (const body of h.bodies) expect(body, "response body").not.toContain(secret);
    }
  });
});
