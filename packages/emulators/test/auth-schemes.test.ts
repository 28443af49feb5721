// The emulators serve each manifest's auth scheme: HTTP Basic, a bearer token, a key carried in
// the request body, or a header the manifest declares; and an API without a dedup field stores
// every record it accepts.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../src/index.js";
import { fileURLToPath } from "node:url";
import { basic, mpBatch, post } from "./support.js";

const emulators: Emulators = await startEmulators({ port: 0 });
afterAll(() => emulators.close());
beforeEach(() => emulators.reset());

const braze = (path = "/users/track") => `${emulators.url}${path}`;
const amplitude = (path = "/2/httpapi") => `${emulators.url}${path}`;
const attributes = (n: number) => ({ external_id: `user-${n}`, plan: "gold", _update_existing_only: false });
const event = (n: number, extra: Record<string, unknown> = {}) => ({ user_id: `user-000${n}`, event_type: "Looker Export", insert_id: `ins-${n}`, time: 1_762_000_000_000, ...extra });

describe("bearer token (Braze)", () => {
  const BEARER = "Bearer test-braze_api_key";

  it("401 with a Bearer challenge when the header is missing or not a bearer token", async () => {
    const none = await post(braze(), { attributes: [attributes(1)] }, { auth: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="tagwire-emulator"');
    expect(none.json).toMatchObject({ success: false, code: "unauthorized" });
    expect((await post(braze(), { attributes: [attributes(1)] }, { auth: "Basic dGVzdDp4" })).status).toBe(401);
  });

  it("401 invalid_token for a wrong token, never echoing either token", async () => {
    const wrong = await post(braze(), { attributes: [attributes(1)] }, { auth: "Bearer guessed-key" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(wrong.text).not.toContain("guessed-key");
    expect(wrong.text).not.toContain("test-braze_api_key");
    expect(emulators.state()["braze"]!.accepted).toBe(0);
  });

  it("accepts the expected token; the credentials say how to send it", async () => {
    expect((await post(braze(), { attributes: [attributes(1)] }, { auth: BEARER })).status).toBe(200);
    expect(emulators.records("braze")).toEqual([attributes(1)]);
    expect(emulators.credentials("braze")).toEqual({ scheme: "bearer", settings: { braze_api_key: "test-braze_api_key" }, passwordEmpty: false, header: BEARER });
  });

  it("uses a configured token", async () => {
    const custom = await startEmulators({ port: 0, connectors: ["braze"], credentials: { braze: { braze_api_key: "k-1" } } });
    try {
      expect((await post(`${custom.url}/users/track`, { attributes: [attributes(1)] }, { auth: BEARER })).status).toBe(401);
      expect((await post(`${custom.url}/users/track`, { attributes: [attributes(1)] }, { auth: "Bearer k-1" })).status).toBe(200);
    } finally {
      await custom.close();
    }
  });
});

describe("key in the body (Amplitude)", () => {
  it("400 when the body lacks the key, whatever the headers say", async () => {
    const missing = await post(amplitude(), { events: [event(1)] }, { auth: "Bearer test-api_key" });
    expect(missing.status).toBe(400);
    // Amplitude's shape: the status as `code`, the message as `error`.
    expect(missing.json).toEqual({ code: 400, error: 'request missing required field "api_key"' });
    expect((await post(amplitude(), { api_key: "", events: [event(1)] })).status).toBe(400);
    expect((await post(amplitude(), { api_key: 7, events: [event(1)] })).status).toBe(400);
  });

  it("400 for a wrong key, never echoing it", async () => {
    const wrong = await post(amplitude(), { api_key: "guessed-key", events: [event(1)] });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid "api_key"');
    expect(wrong.text).not.toContain("guessed-key");
    expect(wrong.text).not.toContain("test-api_key");
    expect(emulators.state()["amplitude"]!.accepted).toBe(0);
  });

  it("a body that is not an object cannot carry the key", async () => {
    const array = await post(amplitude(), [event(1)]);
    expect(array.status).toBe(400);
    expect(array.json.error).toBe('body must be a JSON object carrying "api_key"');
  });

  it("accepts the expected key and stores the records, not the key", async () => {
    expect((await post(amplitude(), { api_key: "test-api_key", events: [event(1), event(2)] })).status).toBe(202);
    expect(emulators.records("amplitude")).toEqual([event(1), event(2)]);
    expect(JSON.stringify(emulators.records("amplitude"))).not.toContain("test-api_key");
    expect(emulators.credentials("amplitude")).toEqual({
      scheme: "body",
      settings: { api_key: "test-api_key" },
      passwordEmpty: false,
      bodyField: { name: "api_key", value: "test-api_key" },
    });
  });

  it("a record with no usable id makes the whole request 400 (the API refuses the upload)", async () => {
    const response = await post(amplitude(), { api_key: "test-api_key", events: [event(1), event(2, { user_id: "abc" })] });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(/^record 1: /);
    expect(emulators.state()["amplitude"]!.accepted).toBe(0);
  });

  it("deduplicates on insert_id", async () => {
    await post(amplitude(), { api_key: "test-api_key", events: [event(1)] });
    await post(amplitude(), { api_key: "test-api_key", events: [event(1), event(2)] });
    expect(emulators.state()["amplitude"]).toMatchObject({ accepted: 2, duplicates: 1, withoutDedupId: 0 });
  });
});

describe("an API without a dedup field (Braze)", () => {
  it("stores a record each time it arrives, and counts no duplicates or missing ids", async () => {
    const auth = "Bearer test-braze_api_key";
    await post(braze(), { attributes: [attributes(1), attributes(2)] }, { auth });
    await post(braze(), { attributes: [attributes(1)] }, { auth });
    expect(emulators.state()["braze"]).toMatchObject({ accepted: 3, duplicates: 0, withoutDedupId: 0 });
    expect(emulators.records("braze")).toEqual([attributes(1), attributes(2), attributes(1)]);
  });

  it("drops an invalid attributes object and accepts the others (the request succeeds)", async () => {
    const response = await post(braze(), { attributes: [attributes(1), { plan: "gold" }] }, { auth: "Bearer test-braze_api_key" });
    expect(response.status).toBe(200);
    expect(emulators.state()["braze"]).toMatchObject({ accepted: 1, dropped: 1 });
  });
});

describe("a header the manifest declares (test connector iterable_like, `Api-Key: {api_key}`)", () => {
  const testConnectors = fileURLToPath(new URL("./conformance/test-connectors", import.meta.url));
  const user = { email: "ty@example.com", dataFields: { plan: "gold" } };

  it("checks the declared header alone: 401 without it, 403 with a wrong key, accepted with the right one", async () => {
    const iterable = await startEmulators({ port: 0, connectorsDir: testConnectors });
    try {
      const url = `${iterable.url}/api/users/bulkUpdate`;
      const none = await post(url, { users: [user] }, { auth: "Bearer test-api_key" });
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBeNull();
      expect(none.text).toContain("missing or unreadable Api-Key header");
      const wrong = await post(url, { users: [user] }, { headers: { "api-key": "guessed-key" } });
      expect(wrong.status).toBe(403);
      expect(wrong.text).not.toContain("guessed-key");
      expect(wrong.text).not.toContain("test-api_key");
      expect((await post(url, { users: [user] }, { headers: { "Api-Key": "test-api_key" } })).status).toBe(202);
      expect(iterable.records("iterable_like")).toEqual([user]);
      expect(iterable.credentials("iterable_like")).toEqual({ scheme: "header", settings: { api_key: "test-api_key" }, passwordEmpty: false, header: "test-api_key", headerName: "Api-Key" });
    } finally {
      await iterable.close();
    }
  });
});

describe("HTTP Basic (mParticle)", () => {
  it("reads the auth-scheme word case-insensitively, as HTTP does", async () => {
    const lower = basic("test-apiKey", "test-apiSecret").replace(/^Basic/, "basic");
    expect((await post(`${emulators.url}/v2/bulkevents`, [mpBatch(1)], { auth: lower })).status).toBe(202);
  });
});
