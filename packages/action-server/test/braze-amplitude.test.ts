// Braze and Amplitude reach Looker from their manifests alone: listed, with their forms, and
// executed into the emulators like any other connector.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectorsDir } from "@tagwire/engine";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { executeBody, startHarness, type Harness } from "./support.js";

// The harness emulates mParticle and Segment; these emulators serve Braze and Amplitude, and the
// action server is pointed at them.
let emulators: Emulators;
let h: Harness;
beforeAll(async () => {
  emulators = await startEmulators({ port: 0, connectors: ["braze", "amplitude"] });
  h = await startHarness({ env: { TAGWIRE_BRAZE_URL: emulators.url, TAGWIRE_AMPLITUDE_URL: emulators.url } });
});
afterAll(async () => {
  await h.close();
  await emulators.close();
});
beforeEach(() => emulators.reset());

const fixture = (id: string, name: string) => join(connectorsDir, id, "fixtures", name);
const golden = (id: string, name: string) => JSON.parse(readFileSync(fixture(id, `${name}.expected.json`), "utf8")) as { options: Record<string, string>; records: Array<Record<string, unknown>> };

describe("list", () => {
  it("lists one integration per new manifest, with its settings as params and its identifier tags as required fields", async () => {
    const { json } = await h.post("/");
    const byName = Object.fromEntries(json.integrations.map((i: any) => [i.name, i]));
    expect(byName.braze).toMatchObject({
      label: "Braze",
      url: "https://tagwire.example.com/actions/braze/execute",
      form_url: "https://tagwire.example.com/actions/braze/form",
      icon_data_uri: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
      params: [
        { name: "braze_api_key", label: "Braze REST API Key", description: expect.any(String), required: true, sensitive: true },
        { name: "braze_api_endpoint", label: "Braze REST Endpoint", description: expect.any(String), required: false, sensitive: false },
      ],
      required_fields: [{ any_tag: ["braze_id", "braze_email", "braze_phone", "braze_alias_name"] }],
    });
    expect(byName.amplitude).toMatchObject({
      label: "Amplitude",
      params: [
        { name: "api_key", label: "Amplitude API Key", description: expect.any(String), required: true, sensitive: true },
        { name: "region", label: "Data Region", description: expect.any(String), required: false, sensitive: false },
      ],
      required_fields: [{ any_tag: ["amplitude_user_id", "amplitude_device_id"] }],
    });
  });
});

describe("form", () => {
  it("Braze asks for the unique key and the profile mode, then a sync's choices", async () => {
    const { status, json } = await h.post("/actions/braze/form");
    expect(status).toBe(200);
    expect(json.map((f: any) => [f.name, f.type, f.required, f.default, f.options?.map((o: any) => o.name)])).toEqual([
      ["braze_key", "select", true, "external_id", ["external_id", "braze_id"]],
      ["update_existing_only", "select", true, "true", ["true", "false"]],
      ["rows", "select", false, "changed", ["changed", "all"]],
      ["removed", "select", false, "ignore", ["ignore", "clear"]],
    ]);
  });

  it("Amplitude asks for the event type (required text) and where untagged columns go, then a sync's choices", async () => {
    const { json } = await h.post("/actions/amplitude/form");
    expect(json.map((f: any) => [f.name, f.type, f.required, f.default])).toEqual([
      ["event_type", "text", true, undefined],
      ["untagged_columns", "select", true, "user_properties"],
      ["rows", "select", false, "changed"],
      ["removed", "select", false, "ignore"],
    ]);
  });
});

describe("execute", () => {
  it("Braze: the golden Look's rows arrive as the expected attributes objects; rejected rows are reported", async () => {
    const expected = golden("braze", "attributes");
    const look = readFileSync(fixture("braze", "attributes.look.json"), "utf8");
    const { status, looker } = await h.execute("braze", executeBody({ data: emulators.credentials("braze").settings, form: expected.options, look }));
    expect(status).toBe(200);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Braze: 2 of 4 rows delivered; 2 rejected/);
    // Braze has no record ids: the records are the golden ones, byte for byte.
    expect(emulators.records("braze")).toStrictEqual(expected.records);
  });

  it("Amplitude: the key travels in the body; the events are the golden ones but for the run's own insert_id", async () => {
    const expected = golden("amplitude", "user-properties");
    const look = readFileSync(fixture("amplitude", "user-properties.look.json"), "utf8");
    const { looker } = await h.execute("amplitude", executeBody({ data: emulators.credentials("amplitude").settings, form: expected.options, look }));
    expect(looker.message).toMatch(/^Amplitude: 3 of 5 rows delivered; 2 rejected/);
    const strip = (r: Record<string, unknown>) => ({ ...r, insert_id: "<run>" });
    expect(emulators.records("amplitude").map((r) => strip(r as Record<string, unknown>))).toEqual(expected.records.map(strip));
  });

  it("a required form field left empty is a validation error naming it", async () => {
    const look = readFileSync(fixture("amplitude", "user-properties.look.json"), "utf8");
    const { looker } = await h.execute("amplitude", executeBody({ data: emulators.credentials("amplitude").settings, form: {}, look }));
    expect(looker.success).toBe(false);
    expect(JSON.stringify(looker)).toContain("event_type");
    expect(emulators.state()["amplitude"]!.requests).toBe(0);
  });

  it("a wrong key fails the rows and is never echoed in the answer or the logs", async () => {
    const look = readFileSync(fixture("amplitude", "user-properties.look.json"), "utf8");
    const { text, looker } = await h.execute("amplitude", executeBody({ data: { api_key: "not-the-key-1234" }, form: { event_type: "Looker Export" }, look }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("failed");
    expect(text).not.toContain("not-the-key-1234");
    expect(h.logs.join("\n")).not.toContain("not-the-key-1234");
  });
});
