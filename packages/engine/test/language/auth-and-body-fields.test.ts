// Auth schemes `basic`, `bearer`, `body` and `header`: the header each sends, and the key a `body`
// scheme carries in every request body (added by the batcher, sized with the records).
import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { RecordPacker, RequestShape, TOO_LARGE } from "../../src/batch/batcher.js";
import type { Envelope, Limits } from "../../src/index.js";
import { lookSourceFromString, readLook } from "../../src/look/index.js";
import { requestBodyFields, resolveEndpoint } from "../../src/run/endpoint.js";
import type { AttemptResult, Transport } from "../../src/deliver/transport.js";
import { amplitude, braze, mparticle } from "../support/send.js";
import { runLookAlone } from "../support/run-alone.js";
import { credentialWireValues, requestCredentials } from "../../src/deliver/credentials.js";
import { validateManifest } from "../../src/manifest/load.js";
import { mutated, realFile, set } from "../manifest/mutate.js";
import { SettingsError } from "../../src/run/errors.js";

/** Braze's manifest with its auth declared as another header. */
const withHeader = (name: string, value: string) => validateManifest(mutated("braze", set("/wire/auth", { scheme: "header", name, value })), realFile("braze"));

const limits = { maxRecordsPerRequest: 100, maxRequestBytes: 1_000, maxRecordBytes: 500 };

describe("headers", () => {
  test("basic: the user name and password settings, base64", () => {
    const endpoint = resolveEndpoint(mparticle, { apiKey: "k", apiSecret: "s", pod: "US1" }, {}, {});
    expect(endpoint.headers["authorization"]).toBe(`Basic ${Buffer.from("k:s").toString("base64")}`);
    expect(endpoint.bodyFields).toEqual({});
  });

  test("bearer: the token setting after `Bearer`", () => {
    // The answer rules are the manifest's; what goes on the wire is compared whole.
    const { answers: _, ...endpoint } = resolveEndpoint(braze, { braze_api_key: "rest-key", braze_api_endpoint: "https://rest.fra-01.braze.eu" }, {}, {});
    expect(endpoint).toEqual({
      url: "https://rest.fra-01.braze.eu/users/track",
      headers: { "content-type": "application/json", authorization: "Bearer rest-key", "user-agent": "tagwire/0.1" },
      bodyFields: {},
      credentialSettings: ["braze_api_key"],
      // As they travel, to be taken out of whatever an answer quotes.
      credentials: ["rest-key", "Bearer rest-key"],
    });
  });

  test("body: no Authorization header; the key is a body field", () => {
    const { answers: _, ...endpoint } = resolveEndpoint(amplitude, { api_key: "project-key", region: "EU" }, {}, {});
    expect(endpoint).toEqual({
      url: "https://api.eu.amplitude.com/2/httpapi",
      headers: { "content-type": "application/json", "user-agent": "tagwire/0.1" },
      bodyFields: { api_key: "project-key" },
      credentialSettings: ["api_key"],
      credentials: ["project-key"],
    });
  });

  test("the base URL override keeps the auth", () => {
    const endpoint = resolveEndpoint(amplitude, { api_key: "k" }, {}, { TAGWIRE_AMPLITUDE_URL: "http://127.0.0.1:9001" });
    expect(endpoint.url).toBe("http://127.0.0.1:9001/2/httpapi");
    expect(endpoint.bodyFields).toEqual({ api_key: "k" });
  });

  test("only a body scheme has body fields", () => {
    expect(requestBodyFields(braze, { braze_api_key: "k" })).toEqual({});
    expect(requestBodyFields(amplitude, {})).toEqual({ api_key: "" });
  });
});

describe("a declared header", () => {
  const settings = { braze_api_key: "k-1", braze_api_endpoint: "https://rest.fra-01.braze.eu" };

  test("`Api-Key: {api_key}`: the setting's value under the declared name, and no Authorization header", () => {
    const { answers: _, ...endpoint } = resolveEndpoint(withHeader("Api-Key", "{braze_api_key}"), settings, {}, {});
    expect(endpoint).toEqual({
      url: "https://rest.fra-01.braze.eu/users/track",
      headers: { "content-type": "application/json", "api-key": "k-1", "user-agent": "tagwire/0.1" },
      bodyFields: {},
      credentialSettings: ["braze_api_key"],
      credentials: ["k-1"],
    });
  });

  test("text around placeholders, and base64 pieces with an empty part", () => {
    expect(resolveEndpoint(withHeader("X-Auth", "Token {braze_api_key}"), settings, {}, {}).headers["x-auth"]).toBe("Token k-1");
    expect(resolveEndpoint(withHeader("Authorization", "Basic {base64:braze_api_key:}"), settings, {}, {}).headers["authorization"]).toBe(`Basic ${Buffer.from("k-1:").toString("base64")}`);
  });

  test("basic and bearer are the Authorization templates they stand for: one code path", () => {
    const basic = { scheme: "basic", username: "apiKey", password: "apiSecret" } as const;
    const values = { apiKey: "k", apiSecret: "s" };
    expect(requestCredentials(basic, values)).toEqual(requestCredentials({ scheme: "header", name: "Authorization", value: "Basic {base64:apiKey:apiSecret}" }, values));
    expect(requestCredentials({ scheme: "bearer", token: "apiKey" }, values)).toEqual(requestCredentials({ scheme: "header", name: "Authorization", value: "Bearer {apiKey}" }, values));
  });

  test("a setting sent as is must fit a header; inside base64 only control characters are refused", () => {
    const plain = withHeader("Api-Key", "{braze_api_key}");
    const refused = (c: typeof plain, value: string) => {
      try {
        resolveEndpoint(c, { ...settings, braze_api_key: value }, {}, {});
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(SettingsError);
        return (e as SettingsError).message;
      }
    };
    expect(refused(plain, "kéy\u2603")).toContain("or a character beyond Latin-1");
    expect(refused(plain, "key\nmore")).toContain("setting `braze_api_key` (Braze REST API Key) holds a character that cannot be sent in an HTTP header");
    const encoded = withHeader("Authorization", "Basic {base64:braze_api_key:}");
    expect(refused(encoded, "kéy\u2603")).toBeUndefined();
    expect(refused(encoded, "key\nmore")).not.toContain("Latin-1");
  });

  test("the credentials as they travel, for masking: each value, each header whole, each base64 piece", () => {
    const auth = { scheme: "header", name: "Authorization", value: "Triple {base64:a:b:c}" } as const;
    const encoded = Buffer.from("1111:2222:3333").toString("base64");
    expect(credentialWireValues(auth, { a: "1111", b: "2222", c: "3333" })).toEqual(["1111", "2222", "3333", `Triple ${encoded}`, encoded]);
    expect(credentialWireValues({ scheme: "body", token: "api_key", field: "api_key" }, { api_key: "k" })).toEqual(["k"]);
  });
});

/** What a run does with its records: packed for the request shape, then wrapped into bodies. */
function batcher(limits: Limits, envelope: Envelope, fields: Record<string, string>) {
  const shape = new RequestShape(envelope, fields);
  const packer = new RecordPacker(limits, shape.room);
  const wrap = (p: ReturnType<RecordPacker["add"]>) => {
    if (p === TOO_LARGE) throw new Error("record too large");
    return p === undefined ? undefined : shape.wrap(p);
  };
  return { maxRecordBytes: packer.maxRecordBytes, add: (json: string, row: number) => wrap(packer.add(json, row)), flush: () => wrap(packer.flush()) };
}

describe("the request shape adds body fields", () => {
  const envelope = { kind: "object", itemsKey: "events" } as const;
  const record = (n: number) => JSON.stringify({ event_type: "e", user_id: `user-${n}` });

  test("before the records, in every request; the counted bytes are the body's", () => {
    const packing = batcher(limits, envelope, { api_key: "k\"ey" });
    for (let n = 1; n <= 3; n++) packing.add(record(n), n);
    const batch = packing.flush()!;
    const body = String(batch.body("2026-01-01T00:00:00.000Z"));
    expect(body.startsWith('{"api_key":"k\\"ey","events":[')).toBe(true);
    expect(JSON.parse(body)).toEqual({ api_key: 'k"ey', events: [1, 2, 3].map((n) => JSON.parse(record(n))) });
    expect(batch.bytes).toBe(Buffer.byteLength(body));
  });

  test("a longer key leaves less room for records", () => {
    const count = (fields: Record<string, string>) => {
      const packing = batcher(limits, envelope, fields);
      let closedAt = 0;
      for (let n = 1; n <= 100 && closedAt === 0; n++) if (packing.add(record(n), n) !== undefined) closedAt = n - 1;
      return closedAt;
    };
    expect(count({ api_key: "k".repeat(300) })).toBeLessThan(count({}));
    expect(count({ api_key: "k".repeat(300) })).toBeGreaterThan(0);
  });

  test("the largest record that fits alone accounts for the fields", () => {
    expect(batcher(limits, envelope, { api_key: "k".repeat(600) }).maxRecordBytes).toBe(1_000 - Buffer.byteLength(`{"api_key":"${"k".repeat(600)}","events":[]}`));
  });

  test("an array body cannot carry fields", () => {
    expect(() => new RequestShape({ kind: "array" }, { api_key: "k" })).toThrow("an `array` envelope cannot carry body fields");
    expect(() => new RequestShape({ kind: "array" }, {})).not.toThrow();
  });
});

describe("a run", () => {
  const look = JSON.stringify({
    fields: { dimensions: [{ name: "users.id", tags: ["amplitude_user_id"] }, { name: "users.plan" }], measures: [], table_calculations: [], pivots: [] },
    ran_at: "2026-11-01T10:00:00Z",
    data: [{ "users.id": { value: "user-1" }, "users.plan": { value: "gold" } }],
  });
  const recording = () => {
    const sent: Array<{ url: string; body: string; headers: Readonly<Record<string, string>> }> = [];
    const transport: Transport = {
      post: async (url, body, headers): Promise<AttemptResult> => {
        sent.push({ url, body: String(body), headers });
        return { kind: "response", status: 200, headers: {}, body: "{}" };
      },
      close: () => undefined,
    };
    return { sent, transport };
  };

  test("sends the key in the body and no Authorization header", async () => {
    const { sent, transport } = recording();
    const report = await Effect.runPromise(
      runLookAlone({ connector: amplitude, look: readLook(lookSourceFromString(look)), settings: { api_key: "secret-key" }, options: { event_type: "Looker Export" }, transport, runId: "r" }),
    );
    expect(report.rows).toEqual({ read: 1, delivered: 1, rejected: 0, failed: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe("https://api2.amplitude.com/2/httpapi");
    expect(sent[0]!.headers).not.toHaveProperty("authorization");
    const body = JSON.parse(sent[0]!.body) as { api_key: string; events: Array<Record<string, unknown>> };
    expect(body.api_key).toBe("secret-key");
    expect(body.events).toEqual([expect.objectContaining({ user_id: "user-1", event_type: "Looker Export", user_properties: { "users.plan": "gold" } })]);
  });

  test("the report never carries the key", async () => {
    const { transport } = recording();
    const report = await Effect.runPromise(
      runLookAlone({ connector: amplitude, look: readLook(lookSourceFromString(look)), settings: { api_key: "secret-key" }, options: { event_type: "Looker Export" }, transport }),
    );
    expect(JSON.stringify(report)).not.toContain("secret-key");
  });

  test("a dry run needs no key", async () => {
    const report = await Effect.runPromise(runLookAlone({ connector: amplitude, look: readLook(lookSourceFromString(look)), options: { event_type: "Looker Export" }, dryRun: true }));
    expect(report.rows.delivered).toBe(1);
  });
});
