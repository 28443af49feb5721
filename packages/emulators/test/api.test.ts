import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../src/index.js";
import { basic, getJson, MP_AUTH, mp, mpBatch, post, seg, SEG_AUTH, segIdentify } from "./support.js";

const emulators: Emulators = await startEmulators({ port: 0 });
afterAll(() => emulators.close());
beforeEach(() => emulators.reset());

describe("routing", () => {
  it("serves every connector on one port and answers 404 JSON elsewhere", async () => {
    expect(emulators.connectors).toEqual(["amplitude", "braze", "mparticle", "segment"]);
    const response = await post(`${emulators.url}/v2/nowhere`, [], { auth: MP_AUTH });
    expect(response.status).toBe(404);
    expect(response.json.message).toContain("/v2/nowhere");
  });

  it("answers 405 for other methods on an API path", async () => {
    const response = await fetch(mp(emulators), { method: "GET", headers: { authorization: MP_AUTH } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(((await response.json()) as any).errors[0].code).toBe("METHOD_NOT_ALLOWED");
  });
});

describe("auth", () => {
  it("401 without or with an unreadable Authorization header", async () => {
    const none = await post(mp(emulators), [mpBatch(1)], { auth: null });
    expect(none.status).toBe(401);
    expect(none.json.errors[0].code).toBe("UNAUTHORIZED");
    expect((await post(mp(emulators), [mpBatch(1)], { auth: "Bearer abc" })).status).toBe(401);
    expect((await post(mp(emulators), [mpBatch(1)], { auth: `Basic ${Buffer.from("nocolon").toString("base64")}` })).status).toBe(401);
    const segNone = await post(seg(emulators), { batch: [] }, { auth: null });
    expect(segNone.status).toBe(401);
    expect(segNone.json).toMatchObject({ success: false, code: "unauthorized" });
  });

  it("403 with wrong credentials, never echoing them", async () => {
    const wrong = await post(mp(emulators), [mpBatch(1)], { auth: basic("test-apiKey", "s3cret-guess") });
    expect(wrong.status).toBe(403);
    expect(wrong.text).not.toContain("s3cret-guess");
    expect(wrong.text).not.toContain("test-apiSecret");
    // Segment's password is empty: the write key with a non-empty password is wrong.
    expect((await post(seg(emulators), { batch: [] }, { auth: basic("test-segment_write_key", "x") })).status).toBe(403);
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
  });

  it("accepts the default test credentials", async () => {
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH })).status).toBe(202);
    expect((await post(seg(emulators), { batch: [segIdentify(1)] }, { auth: SEG_AUTH })).status).toBe(200);
    expect(emulators.credentials("segment")).toEqual({
      scheme: "basic",
      settings: { segment_write_key: "test-segment_write_key" },
      passwordEmpty: true,
      header: SEG_AUTH,
    });
  });

  it("uses configured credentials", async () => {
    const custom = await startEmulators({ port: 0, connectors: ["mparticle"], credentials: { mparticle: { apiKey: "k", apiSecret: "s" } } });
    try {
      expect((await post(mp(custom), [mpBatch(1)], { auth: MP_AUTH })).status).toBe(403);
      expect((await post(mp(custom), [mpBatch(1)], { auth: basic("k", "s") })).status).toBe(202);
    } finally {
      await custom.close();
    }
  });
});

describe("body", () => {
  it("400 without a JSON content type", async () => {
    const missing = await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH, contentType: null });
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].message).toContain("missing Content-Type");
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH, contentType: "text/plain" })).status).toBe(400);
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH, contentType: "application/json; charset=utf-8" })).status).toBe(202);
  });

  it("400 for malformed JSON, in each connector's error shape", async () => {
    const mpBad = await post(mp(emulators), "[{", { auth: MP_AUTH });
    expect(mpBad.status).toBe(400);
    expect(mpBad.json).toEqual({ errors: [{ code: "BAD_REQUEST", message: "malformed JSON" }] });
    const segBad = await post(seg(emulators), "{nope", { auth: SEG_AUTH });
    expect(segBad.status).toBe(400);
    expect(segBad.json).toEqual({ success: false, message: "malformed JSON", code: "invalid_request" });
  });

  it("400 when the envelope is wrong", async () => {
    expect((await post(mp(emulators), { batches: [] }, { auth: MP_AUTH })).status).toBe(400);
    const segWrong = await post(seg(emulators), [segIdentify(1)], { auth: SEG_AUTH });
    expect(segWrong.status).toBe(400);
    expect(segWrong.json.message).toContain('"batch"');
  });

  it("400 for a request over maxRequestBytes, accepting nothing", async () => {
    // mParticle: 262144 bytes per request; 3 batches of ~100 KB each stay under the 128 KB batch limit.
    const big = [0, 1, 2].map((n) => mpBatch(n, { user_attributes: { blob: "x".repeat(100_000) } }));
    const response = await post(mp(emulators), big, { auth: MP_AUTH });
    expect(response.status).toBe(400);
    expect(response.json.errors[0].message).toContain("262144-byte limit");
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
    // The connection stays usable afterwards.
    expect((await post(mp(emulators), [mpBatch(9)], { auth: MP_AUTH })).status).toBe(202);
  });

  it("400 for a chunked request over the limit (no Content-Length to trust)", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 12) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(seg(emulators), {
      method: "POST",
      headers: { authorization: SEG_AUTH, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).message).toContain("512000-byte limit");
  });

  it("400 for one record over maxRecordBytes, accepting nothing", async () => {
    const records = [segIdentify(1), segIdentify(2, { traits: { blob: "y".repeat(33_000) } })];
    const response = await post(seg(emulators), { batch: records }, { auth: SEG_AUTH });
    expect(response.status).toBe(400);
    expect(response.json.message).toMatch(/^record 1: \d+ bytes, over the 32768-byte limit/);
    expect(emulators.state()["segment"]!.accepted).toBe(0);
  });
});

describe("too many records", () => {
  it("rejects-request connectors answer 400", async () => {
    const batches = Array.from({ length: 101 }, (_, n) => mpBatch(n));
    const response = await post(mp(emulators), batches, { auth: MP_AUTH });
    expect(response.status).toBe(400);
    expect(response.json.errors[0].message).toBe("101 records in one request, over the limit of 100");
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
    expect((await post(mp(emulators), batches.slice(0, 100), { auth: MP_AUTH })).status).toBe(202);
    expect(emulators.state()["mparticle"]!.accepted).toBe(100);
  });

  it("accepted-then-dropped connectors answer 200 and drop every record", async () => {
    const messages = Array.from({ length: 2501 }, (_, n) => ({ type: "identify", userId: `u${n}` }));
    const response = await post(seg(emulators), { batch: messages }, { auth: SEG_AUTH });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ success: true });
    const state = emulators.state()["segment"]!;
    expect(state.accepted).toBe(0);
    expect(state.dropped).toBe(2501);
    expect(state.droppedReasons).toEqual({ "too many records in one request": 2501 });
  });
});

describe("mParticle bulk requests", () => {
  it("accepts 3 valid batches with 202 and an empty body, inspectable in order", async () => {
    const batches = [1, 2, 3].map((n) => mpBatch(n));
    const response = await post(mp(emulators), batches, { auth: MP_AUTH });
    expect(response.status).toBe(202);
    expect(response.text).toBe("");
    expect(emulators.records("mparticle")).toEqual(batches);
    const state = await getJson(`${emulators.url}/_emulator/state`);
    expect(state.mparticle).toMatchObject({ requests: 1, byStatus: { "202": 1 }, accepted: 3, duplicates: 0, dropped: 0 });
    const page = await getJson(`${emulators.url}/_emulator/mparticle/records?offset=1&limit=1`);
    expect(page).toMatchObject({ connector: "mparticle", kept: true, total: 3, offset: 1 });
    expect(page.records).toEqual([batches[1]]);
  });

  it("rejects the whole request when one batch is invalid, naming the record and path", async () => {
    const broken = mpBatch(2, {
      events: [{ event_type: "custom_event", data: { custom_event_type: "other" } }],
      user_identities: { customerid: "c-2" },
    });
    const response = await post(mp(emulators), [mpBatch(0), mpBatch(1), broken, mpBatch(3)], { auth: MP_AUTH });
    expect(response.status).toBe(400);
    const messages = response.json.errors.map((e: { code: string; message: string }) => {
      expect(e.code).toBe("BAD_REQUEST");
      return e.message;
    });
    expect(messages).toContain("record 2: /events/0/data: must have required property 'event_name'");
    expect(messages).toContain("record 2: /user_identities: must NOT have additional property 'customerid'");
    expect(messages).toHaveLength(2);
    expect(emulators.records("mparticle")).toEqual([]);
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
  });

  it("accepts one batch on the single-record path /v2/events", async () => {
    const response = await post(mp(emulators, "/v2/events"), mpBatch(5), { auth: MP_AUTH });
    expect(response.status).toBe(202);
    expect(emulators.records("mparticle")).toEqual([mpBatch(5)]);
    expect((await post(mp(emulators, "/v2/events"), [mpBatch(6)], { auth: MP_AUTH })).status).toBe(400);
  });
});

describe("Segment batches", () => {
  it("answers 200, accepts the valid messages and drops the invalid one with its reason", async () => {
    const noId = { type: "identify", messageId: "msg-x", traits: { email: "x@example.com" } };
    const noEvent = { type: "track", userId: "u-9", messageId: "msg-y" };
    const response = await post(seg(emulators), { batch: [segIdentify(1), noId, segIdentify(2), noEvent] }, { auth: SEG_AUTH });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ success: true });
    expect(emulators.records("segment")).toEqual([segIdentify(1), segIdentify(2)]);
    const state = emulators.state()["segment"]!;
    expect(state).toMatchObject({ accepted: 2, dropped: 2 });
    expect(state.droppedReasons).toEqual({
      "/: must have one of the properties 'userId', 'anonymousId'": 1,
      "/: must have required property 'event'": 1,
    });
  });

  it("merges the type a single-record path implies", async () => {
    const { type: _type, ...body } = segIdentify(3);
    expect((await post(seg(emulators, "/v1/identify"), body, { auth: SEG_AUTH })).status).toBe(200);
    // The path decides the type, whatever the body says.
    expect((await post(seg(emulators, "/v1/track"), { userId: "u", event: "Played", type: "identify", messageId: "t1" }, { auth: SEG_AUTH })).status).toBe(200);
    expect((await post(seg(emulators, "/v1/group"), { userId: "u", messageId: "g1" }, { auth: SEG_AUTH })).status).toBe(200);
    const records = emulators.records("segment") as Array<Record<string, unknown>>;
    expect(records.map((r) => r["type"])).toEqual(["identify", "track"]);
    expect(records[0]).toEqual(segIdentify(3));
    expect(emulators.state()["segment"]!.droppedReasons).toEqual({ "/: must have required property 'groupId'": 1 });
  });
});

describe("deduplication", () => {
  it("counts a repeated dedup id as a duplicate and stores it once", async () => {
    await post(mp(emulators), [mpBatch(1), mpBatch(2)], { auth: MP_AUTH });
    await post(mp(emulators), [mpBatch(2), mpBatch(3), mpBatch(3)], { auth: MP_AUTH });
    const { source_request_id: _id, ...noId } = mpBatch(4);
    await post(mp(emulators), [noId, noId], { auth: MP_AUTH });
    const state = emulators.state()["mparticle"]!;
    expect(state).toMatchObject({ accepted: 5, duplicates: 2, withoutDedupId: 2 });
    expect((emulators.records("mparticle") as Array<Record<string, unknown>>).map((r) => r["source_request_id"])).toEqual([
      "req-1",
      "req-2",
      "req-3",
      undefined,
      undefined,
    ]);

    await post(seg(emulators), { batch: [segIdentify(1), segIdentify(1)] }, { auth: SEG_AUTH });
    expect(emulators.state()["segment"]).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it("forgets dedup ids on reset", async () => {
    await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH });
    emulators.reset();
    await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH });
    expect(emulators.state()["mparticle"]).toMatchObject({ accepted: 1, duplicates: 0, requests: 1 });
  });
});
