import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken, tokenForNonce } from "../src/auth.js";
import { bigLook, executeBody, logEntries, sampleLook, startDownloads, startHarness, whole, type Harness, type LookerDownloads } from "./support.js";

let h: Harness;
let downloads: LookerDownloads;
beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 16 * 1024 });
  downloads = await startDownloads();
});
afterAll(async () => {
  await h.close();
  await downloads.close();
});

const PATHS = ["/", "/actions/mparticle/form", "/actions/segment_track/execute"];

describe("auth", () => {
  it.each(PATHS)("%s: a missing Authorization header gets 403 JSON", async (path) => {
    const res = await h.post(path, {}, { auth: null });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json).toEqual({ success: false, error: expect.stringMatching(/^Invalid 'Authorization' header/) });
  });

  it("a wrong token of the same length gets 403", async () => {
    const wrong = h.secret.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    expect(wrong).toHaveLength(h.secret.length);
    const res = await h.post("/", undefined, { auth: `Token token="${wrong}"` });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain(wrong);
  });

  it("wrong-length tokens get 403 (empty, shorter, longer)", async () => {
    for (const token of ["", h.secret.slice(0, 5), `${h.secret}x`, `${h.secret}${h.secret}`]) {
      const res = await h.post("/", undefined, { auth: `Token token="${token}"` });
      expect(res.status, token).toBe(403);
    }
  });

  it("other header forms get 403", async () => {
    for (const auth of [h.secret, `Bearer ${h.secret}`, `Token ${h.secret}`, `Token token=${h.secret}`, `Basic ${Buffer.from(`x:${h.secret}`).toString("base64")}`]) {
      const res = await h.post("/", undefined, { auth });
      expect(res.status, auth).toBe(403);
    }
  });

  it("accepts Looker's header, and its lowercase `token token=` form", async () => {
    expect((await h.post("/", undefined, { auth: `Token token="${h.secret}"` })).status).toBe(200);
    expect((await h.post("/", undefined, { auth: `token token="${h.secret}"` })).status).toBe(200);
  });

  it("accepts the Looker Action Hub's nonce token derived from the secret, and refuses a tampered one", async () => {
    const token = tokenForNonce(h.secret, "a1b2c3d4");
    expect(token).toMatch(/^a1b2c3d4\/[0-9a-f]{128}$/);
    expect((await h.post("/", undefined, { auth: `Token token="${token}"` })).status).toBe(200);
    expect((await h.post("/", undefined, { auth: `Token token="${newToken(h.secret)}"` })).status).toBe(200);
    const tampered = `a1b2c3d5${token.slice(8)}`;
    expect((await h.post("/", undefined, { auth: `Token token="${tampered}"` })).status).toBe(403);
    expect((await h.post("/", undefined, { auth: `Token token="${tokenForNonce("another secret", "a1b2c3d4")}"` })).status).toBe(403);
    for (const odd of ["/", "a/", "/abc", "a1b2c3d4/short"]) expect((await h.post("/", undefined, { auth: `Token token="${odd}"` })).status, odd).toBe(403);
  });

  it("refuses before reading or running anything: an unauthorized execute sends nothing", async () => {
    h.emulators.reset();
    const res = await h.post("/actions/segment_event/execute", executeBody({ data: h.settings.segment, look: bigLook(3) }), { auth: `Token token="nope"` });
    expect(res.status).toBe(403);
    expect(h.emulators.state()["segment"]!.requests).toBe(0);
  });

  it("logs the refusal without the offered token", async () => {
    const offered = "offered-token-abcdef";
    await h.post("/", undefined, { auth: `Token token="${offered}"`, headers: { "x-request-id": "auth-refusal-1" } });
    const lines = logEntries(h.logs).filter((e) => e["requestId"] === "auth-refusal-1");
    expect(lines.map((e) => e["msg"])).toContain("refused: missing or wrong Authorization token");
    for (const line of h.logs) expect(line).not.toContain(offered);
  });
});

describe("request bodies", () => {
  it("malformed JSON gets 400 with a clear message", async () => {
    const res = await h.post("/actions/mparticle/execute", undefined, { raw: '{"data": {"apiKey": ' });
    expect(res.status).toBe(400);
    expect(res.json.success).toBe(false);
    expect(res.json.error).toMatch(/^The request body is not valid JSON: /);
  });

  it("JSON that is not an object, or carries no Look, gets 400 naming what is missing", async () => {
    const arr = await h.post("/actions/mparticle/execute", []);
    expect(arr.status).toBe(400);
    expect(arr.json.error).toBe("The execute request body must be a JSON object.");
    const none = await h.post("/actions/mparticle/execute", { data: h.settings.mparticle, scheduled_plan: {} });
    expect(none.status).toBe(400);
    expect(none.json.error).toContain("`attachment.data`");
    expect(none.json.error).toContain("`scheduled_plan.download_url`");
    const badData = await h.post("/actions/mparticle/execute", { data: { apiKey: { nested: true } }, attachment: { data: "{}" } });
    expect(badData.status).toBe(400);
    expect(badData.json.error).toBe("`data.apiKey` must be a string.");
    const badUrl = await h.post("/actions/mparticle/execute", { data: {}, scheduled_plan: { download_url: 42 } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.json.error).toBe("`scheduled_plan.download_url` must be a string.");
  });

  it("a non-JSON Content-Type on execute gets 415", async () => {
    const res = await h.post("/actions/mparticle/execute", undefined, { raw: "data=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(res.json.error).toContain("Content-Type: application/json");
    const none = await h.post("/actions/mparticle/execute", undefined, { raw: new TextEncoder().encode("{}"), headers: { "content-type": "" } });
    expect(none.status).toBe(415);
  });

  it("accepts a JSON Content-Type with parameters or a +json suffix", async () => {
    h.emulators.reset();
    const body = executeBody({ data: h.settings.segment, look: bigLook(1) });
    for (const type of ["application/json; charset=utf-8", "application/vnd.looker+json"]) {
      const res = await h.post("/actions/segment_event/execute", body, { headers: { "content-type": type } });
      expect(res.status, type).toBe(200);
      expect(res.json.looker.success).toBe(true);
    }
  });

  it("a body over maxBodyBytes gets 413 (declared length)", async () => {
    h.emulators.reset();
    const body = executeBody({ data: h.settings.segment, look: bigLook(400) });
    expect(JSON.stringify(body).length).toBeGreaterThan(16 * 1024);
    const res = await h.post("/actions/segment_event/execute", body);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ success: false, error: "The request body is larger than 16,384 bytes." });
    expect(h.emulators.state()["segment"]!.requests).toBe(0);
  });

  it("a body over maxBodyBytes gets 413 (chunked, no declared length)", async () => {
    const text = JSON.stringify(executeBody({ data: h.settings.segment, look: bigLook(400) }));
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.subarray(i, i + 4096));
        controller.close();
      },
    });
    const res = await fetch(`${h.server.url}/actions/segment_event/execute`, {
      method: "POST",
      headers: { authorization: h.auth, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const reply = await res.text();
    h.bodies.push(reply);
    expect(res.status).toBe(413);
    expect(JSON.parse(reply).error).toContain("16,384 bytes");
  });

  it("a large Look is fine via download_url: the body limit only applies to the request", async () => {
    h.emulators.reset();
    const url = downloads.serve(whole(JSON.stringify(bigLook(400))));
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, downloadUrl: url }));
    expect(looker.success).toBe(true);
    expect(h.emulators.records("segment")).toHaveLength(400);
  });
});

describe("routing", () => {
  it("an unknown action gets 404 listing the actions", async () => {
    for (const path of ["/actions/mparticle_v2/execute", "/actions/segment/form"]) {
      const res = await h.post(path, {});
      expect(res.status, path).toBe(404);
      expect(res.json.success).toBe(false);
      expect(res.json.error).toMatch(/^Unknown action `[a-z_0-9]+`\. Actions: amplitude, braze, mparticle, segment_event, segment_track, segment_group\.$/);
    }
  });

  it("a malformed percent-encoded action name gets 404, not 500", async () => {
    const res = await h.post("/actions/%E0%A4%A/execute", executeBody({ data: {}, look: bigLook(1) }));
    expect(res.status).toBe(404);
    expect(res.json.success).toBe(false);
  });

  it("an unknown path gets 404", async () => {
    for (const path of ["/nope", "/actions", "/actions/mparticle", "/actions/mparticle/delete"]) {
      const res = await h.post(path, {});
      expect(res.status, path).toBe(404);
      expect(res.json.error).toContain("No such endpoint");
    }
  });

  it("GET on / and on action paths gets 405 (Looker always POSTs)", async () => {
    for (const path of ["/", "/actions/mparticle/form"]) {
      const res = await h.post(path, undefined, { method: "GET" });
      expect(res.status, path).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(res.json.success).toBe(false);
    }
  });
});

describe("operations endpoints", () => {
  it("/healthz needs no auth", async () => {
    const res = await fetch(`${h.server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", connectors: ["amplitude", "braze", "mparticle", "segment"], executesInFlight: 0 });
    const post = await fetch(`${h.server.url}/healthz`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("/metrics needs no auth and shows the run's figures", async () => {
    h.emulators.reset();
    const { looker } = await h.execute("segment_track", executeBody({ data: h.settings.segment, form: { event: "Synced" }, look: sampleLook() }));
    expect(looker.success).toBe(false);
    const res = await fetch(`${h.server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain("# TYPE tagwire_rows_total counter");
    expect(text).toMatch(/^tagwire_rows_total\{connector="segment",outcome="read"\} \d+/m);
    expect(text).toMatch(/^tagwire_rows_total\{connector="segment",outcome="rejected"\} [1-9]\d*/m);
    expect(text).toMatch(/^tagwire_executes_total\{action="segment_track",result="failure"\} 1$/m);
    expect(text).toMatch(/^tagwire_destination_request_seconds_count\{connector="segment"\} [1-9]/m);
    expect(text).toMatch(/^tagwire_destination_requests_total\{connector="segment",status="200"\} [1-9]/m);
    expect(text).toContain("tagwire_retries_total");
    expect(text).toMatch(/^tagwire_executes_in_flight 0$/m);
    expect(text).toContain("process_cpu_user_seconds_total");
  });
});

describe("request ids and logs", () => {
  it("echoes x-request-id and puts it on every log line of the request", async () => {
    h.emulators.reset();
    const before = h.logs.length;
    const res = await h.post("/actions/segment_event/execute", executeBody({ data: h.settings.segment, look: bigLook(3) }), { headers: { "x-request-id": "looker-req-42" } });
    expect(res.headers.get("x-request-id")).toBe("looker-req-42");
    const lines = logEntries(h.logs.slice(before));
    const mine = lines.filter((e) => e["requestId"] === "looker-req-42");
    expect(mine.map((e) => e["msg"])).toEqual(["execute started", "execute finished"]);
    const finished = mine[1]!;
    expect(finished).toMatchObject({
      level: "info", action: "segment_event", connector: "segment", path: "/actions/segment_event/execute", scheduledPlanId: "17",
      success: true, rows: { read: 3, delivered: 3, rejected: 0, failed: 0 }, requests: 1, retries: 0,
    });
    expect(typeof finished["durationMs"]).toBe("number");
    expect(typeof finished["time"]).toBe("string");
  });

  it("makes up a request id when none (or an unsafe one) is sent", async () => {
    const none = await h.post("/", undefined);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await h.post("/", undefined, { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses x-looker-webhook-id as the run id", async () => {
    const before = h.logs.length;
    await h.post("/actions/segment_event/execute", executeBody({ data: h.settings.segment, look: bigLook(1) }), { headers: { "x-looker-webhook-id": "hook-777" } });
    const finished = logEntries(h.logs.slice(before)).find((e) => e["msg"] === "execute finished")!;
    expect(finished["runId"]).toBe("hook-777");
  });

  it("every log line is one JSON object with time, level and msg", () => {
    for (const e of logEntries(h.logs)) {
      expect(typeof e["time"]).toBe("string");
      expect(["info", "warn", "error"]).toContain(e["level"]);
      expect(typeof e["msg"]).toBe("string");
    }
  });
});

describe("secrets", () => {
  it("never appear in a log line or a response body", async () => {
    // Exercise the paths that touch credentials: success, refusals, wrong credentials, a failing destination.
    const mp = h.settings.mparticle;
    const seg = h.settings.segment;
    const form = { data_type: "user_data", environment: "development" };
    await h.execute("mparticle", executeBody({ data: mp, form, look: sampleLook() }));
    await h.execute("mparticle", executeBody({ data: { apiKey: mp.apiKey }, form, look: bigLook(2) }));
    await h.execute("mparticle", executeBody({ data: { apiKey: mp.apiKey, apiSecret: `${mp.apiSecret}-wrong` }, form, look: bigLook(2) }));
    await h.execute("mparticle", executeBody({ data: { ...mp, pod: mp.apiSecret }, form, look: bigLook(2) }));
    await h.execute("segment_event", executeBody({ data: seg, form: { region: seg.segment_write_key }, look: bigLook(2) }));
    await h.execute("segment_track", executeBody({ data: seg, form: { event: "Synced" }, look: sampleLook() }));
    h.emulators.setFaults("segment", { failAll: 400 });
    await h.execute("segment_group", executeBody({ data: seg, look: { ...bigLook(2), fields: { ...bigLook(2).fields, dimensions: [...bigLook(2).fields.dimensions, { name: "users.id2", tags: ["segment_group_id"] }] } } }));
    h.emulators.setFaults("segment", {});
    await h.post("/", undefined, { auth: `Token token="${h.secret}x"` });
    await h.post("/actions/segment_event/execute", undefined, { raw: `{"data": {"segment_write_key": "${seg.segment_write_key}"` });

    expect(h.logs.length).toBeGreaterThan(20);
    expect(h.bodies.length).toBeGreaterThan(20);
    for (const secret of h.secrets) {
      for (const line of h.logs) expect(line, "log line").not.toContain(secret);
      for (const body of h.bodies) expect(body, "response body").not.toContain(secret);
    }
  });
});
