// Braze and Amplitude through every command a user has: destinations, validate, preview, send and
// manifest check, on the connectors' own golden fixture Looks.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectorsDir } from "@tagwire/engine";
import { startEmulators, type Emulators } from "@tagwire/emulators";
import { tagwire } from "./support/cli.js";

let emulators: Emulators;
let env: Record<string, string>;
beforeAll(async () => {
  emulators = await startEmulators({ port: 0, connectors: ["braze", "amplitude"] });
  env = { TAGWIRE_BRAZE_URL: emulators.url, TAGWIRE_AMPLITUDE_URL: emulators.url };
});
afterAll(() => emulators.close());
beforeEach(() => emulators.reset());

const look = (id: string, name: string) => join(connectorsDir, id, "fixtures", `${name}.look.json`);
const golden = (id: string, name: string) =>
  JSON.parse(readFileSync(join(connectorsDir, id, "fixtures", `${name}.expected.json`), "utf8")) as {
    options: Record<string, string>;
    records: unknown[];
    rejected: Array<{ row: number; reason: string }>;
  };
const optionFlags = (options: Record<string, string>) => Object.entries(options).flatMap(([k, v]) => ["--option", `${k}=${v}`]);

describe("tagwire destinations", () => {
  it("lists Braze and Amplitude with their settings' variables, options, requirements and tags", async () => {
    const r = await tagwire(["destinations"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^braze {2}Braze: /m);
    expect(r.stdout).toMatch(/^amplitude {2}Amplitude: /m);
    expect(r.stdout).toContain("TAGWIRE_BRAZE_BRAZE_API_KEY");
    expect(r.stdout).toContain("TAGWIRE_AMPLITUDE_API_KEY");
    expect(r.stdout).toContain("override with $TAGWIRE_BRAZE_URL");
    expect(r.stdout).toContain("  option    event_type = text, required\n");

    const json = JSON.parse((await tagwire(["destinations", "--json"])).stdout) as { connectors: Array<any> };
    const braze = json.connectors.find((c) => c.id === "braze");
    const amplitude = json.connectors.find((c) => c.id === "amplitude");
    expect(braze.docsUrl).toMatch(/^https:\/\/www\.braze\.com\//);
    expect(braze.actions.map((a: any) => [a.name, a.label])).toEqual([["braze", "Braze"]]);
    expect(braze.settings.map((s: any) => [s.name, s.variable, s.required, s.sensitive])).toEqual([
      ["braze_api_key", "TAGWIRE_BRAZE_BRAZE_API_KEY", true, true],
      ["braze_api_endpoint", "TAGWIRE_BRAZE_BRAZE_API_ENDPOINT", false, false],
    ]);
    expect(Object.keys(braze.tags)).toEqual(["braze_id", "braze_email", "braze_phone", "braze_alias_name", "braze_alias_label", "braze_attribute"]);
    expect(amplitude.options.map((o: any) => [o.name, o.required])).toEqual([["event_type", true], ["untagged_columns", true]]);
    expect(amplitude.requirements).toEqual([{ id: "identifier", description: "user id or device id", requires: "user_id or device_id" }]);
  });
});

describe("tagwire manifest check", () => {
  it.each(["braze", "amplitude"])("%s: ok", async (id) => {
    const r = await tagwire(["manifest", "check", join(connectorsDir, id, "manifest.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok: ${id} \\(`));
  });
});

describe("tagwire validate", () => {
  it("Braze: shows where each column goes, top-level attribute keys included; --rows counts the rejections", async () => {
    const r = await tagwire(["validate", "--to", "braze", look("braze", "attributes")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}users\.id +braze_id +-> external_id$/m);
    expect(r.stdout).toMatch(/^ {2}users\.lifetime_value +braze_attribute +-> lifetime_value$/m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("valid: the Look can be sent to Braze");

    const rows = await tagwire(["validate", "--to", "braze", "--rows", "--json", look("braze", "attributes")]);
    expect(rows.code).toBe(1);
    expect(JSON.parse(rows.stdout).rows).toMatchObject({ read: 4, wouldSend: 2, rejected: 2 });
  });

  it("Amplitude: the event type is required; with it the Look is valid", async () => {
    const missing = await tagwire(["validate", "--to", "amplitude", look("amplitude", "user-properties")]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("event_type");
    const r = await tagwire(["validate", "--to", "amplitude", "--option", "event_type=Looker Export", look("amplitude", "user-properties")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}users\.plan +- +-> user_properties\.users\.plan$/m);
  });
});

describe("tagwire preview", () => {
  it.each([
    ["braze", "attributes"],
    ["braze", "aliases"],
    ["amplitude", "user-properties"],
    ["amplitude", "event-properties"],
  ])("%s %s: the golden records and rejections, with --run-id golden and the emulator's key", async (id, name) => {
    const expected = golden(id, name);
    // The key names the workspace record ids are derived from: the one `send` below gives.
    const key = id === "braze" ? "braze_api_key=test-braze_api_key" : "api_key=test-api_key";
    const r = await tagwire(["preview", "--to", id, "--setting", key, ...optionFlags(expected.options), "--run-id", "golden", look(id, name)]);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as Array<{ row: number; record?: unknown; rejected?: { reason: string } }>;
    expect(items.filter((i) => i.record !== undefined).map((i) => i.record)).toStrictEqual(expected.records);
    expect(items.filter((i) => i.rejected !== undefined).map((i) => ({ row: i.row, reason: i.rejected!.reason }))).toEqual(expected.rejected);
  });
});

describe("tagwire send", () => {
  it("Braze: the API key from the environment, records into the emulator, exit 1 for the rejected rows", async () => {
    const expected = golden("braze", "attributes");
    const r = await tagwire(["send", "--to", "braze", look("braze", "attributes")], { env: { ...env, TAGWIRE_BRAZE_BRAZE_API_KEY: "test-braze_api_key" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Braze: 2 of 4 rows delivered; 2 rejected/);
    expect(emulators.records("braze")).toStrictEqual(expected.records);
  });

  it("Braze: a record its 2xx answer refuses is under its own heading, apart from the rows tagwire rejected before sending", async () => {
    // A stand-in for Braze that takes the request and names its second record (row 2) as refused, as Braze's `errors` do.
    const braze = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "success", errors: [{ type: "'email' is not a valid email address", input_array: "attributes", index: 1 }] }));
      });
    });
    await new Promise<void>((resolve) => braze.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(braze.address() as AddressInfo).port}`;
      const r = await tagwire(["send", "--to", "braze", "--setting", "braze_api_key=test-braze_api_key", look("braze", "attributes")], { env: { TAGWIRE_BRAZE_URL: url } });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^Braze: 1 of 4 rows delivered; 3 rejected \(/);
      // Rows 3 and 4 never left tagwire; row 2 was sent, and Braze refused it.
      expect(r.stdout).toContain("\nRejected rows (not sent)\n  1 × row has no user identifier");
      expect(r.stdout).toContain("\nRefused by Braze (sent, not accepted)\n  1 × refused by Braze: 'email' is not a valid email address\n      row 2: named in the answer's `errors` (HTTP 201)\n");
      const notSent = r.stdout.slice(r.stdout.indexOf("Rejected rows (not sent)"), r.stdout.indexOf("Refused by Braze"));
      expect(notSent).not.toContain("row 2:");
    } finally {
      await new Promise((resolve) => braze.close(resolve));
    }
  });

  it("Amplitude: --setting gives the key; the same --run-id replays as duplicates", async () => {
    const expected = golden("amplitude", "event-properties");
    const args = ["send", "--to", "amplitude", "--setting", "api_key=test-api_key", ...optionFlags(expected.options), "--run-id", "golden", "--json", look("amplitude", "event-properties")];
    const r = await tagwire(args, { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ connector: "amplitude", rows: { read: 3, delivered: 2, rejected: 1, failed: 0 } });
    expect(emulators.records("amplitude")).toStrictEqual(expected.records);
    await tagwire(args, { env });
    expect(emulators.state()["amplitude"]).toMatchObject({ accepted: 2, duplicates: 2 });
  });

  it("Amplitude: a missing key is named with both ways to give it", async () => {
    const r = await tagwire(["send", "--to", "amplitude", "--option", "event_type=E", look("amplitude", "user-properties")], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("setting `api_key` (Amplitude API Key) is missing. Give --setting api_key=... or set TAGWIRE_AMPLITUDE_API_KEY.");
  });

  it("Braze: a wrong key fails the rows (401), and the key is not printed", async () => {
    const r = await tagwire(["send", "--to", "braze", "--setting", "braze_api_key=wrong-key-5678", look("braze", "braze-ids")], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("401");
    expect(r.stdout + r.stderr).not.toContain("wrong-key-5678");
  });
});
