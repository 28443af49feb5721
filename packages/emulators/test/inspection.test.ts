import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EmulatorConfigError, loadWireProfile, startEmulators, type Emulators } from "../src/index.js";
import { getJson, MP_AUTH, mp, mpBatch, post, seg, SEG_AUTH, segIdentify } from "./support.js";

let running: Emulators | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("inspection endpoints", () => {
  it("health lists connectors and their paths; state has every counter", async () => {
    const emulators = (running = await startEmulators({ port: 0 }));
    const health = await getJson(`${emulators.url}/_emulator/health`);
    expect(health).toEqual({
      ok: true,
      connectors: [
        { id: "amplitude", paths: ["/2/httpapi"] },
        { id: "braze", paths: ["/users/track"] },
        { id: "mparticle", paths: ["/v2/bulkevents", "/v2/events"] },
        { id: "segment", paths: ["/v1/batch", "/v1/identify", "/v1/track", "/v1/group"] },
      ],
    });
    const state = await getJson(`${emulators.url}/_emulator/state`);
    expect(state.segment).toEqual({
      requests: 0,
      byStatus: {},
      accepted: 0,
      duplicates: 0,
      dropped: 0,
      droppedReasons: {},
      withoutDedupId: 0,
      faults: {},
    });
  });

  it("POST /_emulator/reset clears counters and records; unknown routes and methods are refused", async () => {
    const emulators = (running = await startEmulators({ port: 0 }));
    await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH });
    expect(emulators.state()["mparticle"]!.accepted).toBe(1);
    expect((await fetch(`${emulators.url}/_emulator/reset`, { method: "POST" })).status).toBe(200);
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
    expect(emulators.records("mparticle")).toEqual([]);

    expect((await fetch(`${emulators.url}/_emulator/reset`)).status).toBe(405);
    expect((await fetch(`${emulators.url}/_emulator/state`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${emulators.url}/_emulator/nosuch/records`)).status).toBe(404);
    expect((await fetch(`${emulators.url}/_emulator/mparticle/records?limit=-1`)).status).toBe(400);
    expect((await fetch(`${emulators.url}/_emulator/whatever`)).status).toBe(404);
  });

  it("state() is a snapshot the caller cannot change", async () => {
    const emulators = (running = await startEmulators({ port: 0 }));
    const state = emulators.state();
    state["mparticle"]!.accepted = 99;
    expect(emulators.state()["mparticle"]!.accepted).toBe(0);
  });

  it("keepRecords:false keeps counts and dedup ids but no records", async () => {
    const emulators = (running = await startEmulators({ port: 0, keepRecords: false }));
    await post(seg(emulators), { batch: [segIdentify(1), segIdentify(2), segIdentify(1)] }, { auth: SEG_AUTH });
    expect(emulators.state()["segment"]).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(emulators.records("segment")).toEqual([]);
    const page = await getJson(`${emulators.url}/_emulator/segment/records`);
    expect(page).toMatchObject({ kept: false, total: 0, records: [] });
  });

  it("times the records that arrive, duplicates too, per millisecond, until a reset", async () => {
    const emulators = (running = await startEmulators({ port: 0 }));
    const before = Date.now();
    await post(seg(emulators), { batch: [segIdentify(1), segIdentify(2), segIdentify(1)] }, { auth: SEG_AUTH });
    await post(seg(emulators), { batch: [segIdentify(3)] }, { auth: SEG_AUTH });
    const { arrivals } = (await getJson(`${emulators.url}/_emulator/segment/arrivals`)) as { arrivals: Array<[number, number]> };
    expect(arrivals.reduce((n, [, count]) => n + count, 0)).toBe(4);
    for (const [at] of arrivals) expect(at).toBeGreaterThanOrEqual(before);
    expect((await fetch(`${emulators.url}/_emulator/nosuch/arrivals`)).status).toBe(404);
    await fetch(`${emulators.url}/_emulator/reset`, { method: "POST" });
    expect(await getJson(`${emulators.url}/_emulator/segment/arrivals`)).toEqual({ connector: "segment", arrivals: [] });
  });

  it("validate:false accepts records the schema would refuse", async () => {
    const emulators = (running = await startEmulators({ port: 0, validate: false }));
    const response = await post(mp(emulators), [{ user_identities: { customerid: "x" } }], { auth: MP_AUTH });
    expect(response.status).toBe(202);
    expect(emulators.state()["mparticle"]).toMatchObject({ accepted: 1, withoutDedupId: 1 });
  });
});

describe("configuration", () => {
  it("starts only the connectors asked for", async () => {
    const emulators = (running = await startEmulators({ port: 0, connectors: ["segment"] }));
    expect(Object.keys(emulators.state())).toEqual(["segment"]);
    expect((await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH })).status).toBe(404);
  });

  it("refuses unknown connectors and options for connectors not emulated", async () => {
    await expect(startEmulators({ port: 0, connectors: ["nosuch"] })).rejects.toThrow(EmulatorConfigError);
    await expect(startEmulators({ port: 0, connectors: ["segment"], faults: { mparticle: {} } })).rejects.toThrow(/not emulated/);
    await expect(startEmulators({ port: 0, faults: { mparticle: { dropRate: 3 } } })).rejects.toThrow(EmulatorConfigError);
  });

  it("close() does not hang on keep-alive sockets or requests in flight", async () => {
    const emulators = await startEmulators({ port: 0, faults: { segment: { latencyMs: 3000 } } });
    // fetch keeps this connection alive after the exchange.
    await post(mp(emulators), [mpBatch(1)], { auth: MP_AUTH });
    const inFlight = post(seg(emulators), { batch: [segIdentify(1)] }, { auth: SEG_AUTH }).catch(() => "closed");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = performance.now();
    await emulators.close();
    expect(performance.now() - began).toBeLessThan(1000);
    expect(await inFlight).toBe("closed");
  });
});

describe("manifests", () => {
  const connectorsDir = fileURLToPath(new URL("../../../connectors/", import.meta.url));
  const scratch = mkdtempSync(join(tmpdir(), "tagwire-emulators-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * Writes a valid manifest to `<dir>/<id>/`: its record schema path made relative to the new folder,
   * and the files it names beside it (icon, downstream table) copied from the original connector.
   */
  const writeManifest = (dir: string, from: string, manifest: any) => {
    const folder = join(dir, manifest.id);
    mkdirSync(folder, { recursive: true });
    manifest.wire.recordSchema = relative(folder, join(connectorsDir, from, manifest.wire.recordSchema));
    for (const file of [manifest.icon, manifest.downstreams?.file]) {
      if (typeof file === "string") copyFileSync(join(connectorsDir, from, file), join(folder, file));
    }
    writeFileSync(join(folder, "manifest.json"), JSON.stringify(manifest));
  };

  /** A copy of a real connector's manifest and emulator file under another id. */
  const copyManifest = (from: string, id: string, emulation: Record<string, unknown> = {}) => {
    const manifest = JSON.parse(readFileSync(join(connectorsDir, from, "manifest.json"), "utf8"));
    manifest.id = id;
    writeManifest(scratch, from, manifest);
    const facts = JSON.parse(readFileSync(join(connectorsDir, from, "emulator.json"), "utf8"));
    writeFileSync(join(scratch, id, "emulator.json"), JSON.stringify({ ...facts, ...emulation }));
  };

  it("loadWireProfile resolves the record schema beside the manifest and reads the emulator file there", () => {
    const profile = loadWireProfile(join(connectorsDir, "segment", "manifest.json"));
    expect(profile).toMatchObject({ id: "segment", wire: { path: "/v1/batch", dedupField: "messageId" }, emulation: { invalidRecord: "accepted-then-dropped" } });
    expect(Object.keys(profile.emulation.singleRecordPaths)).toEqual(["/v1/identify", "/v1/track", "/v1/group"]);
    expect(profile.validate({ type: "track", userId: "u" })).toBe(false);
    expect(profile.validate({ type: "track", userId: "u", event: "e" })).toBe(true);
  });

  it("refuses two connectors on one path", async () => {
    copyManifest("mparticle", "first");
    copyManifest("mparticle", "second", { singleRecordPaths: {} });
    await expect(startEmulators({ port: 0, connectorsDir: scratch })).rejects.toThrow(
      "path collision: /v2/bulkevents is served by both connector first and connector second",
    );
  });

  it("serves a new connector from its manifest alone", async () => {
    const dir = join(scratch, "fresh");
    mkdirSync(dir);
    const manifest = JSON.parse(readFileSync(join(connectorsDir, "segment", "manifest.json"), "utf8"));
    manifest.id = "acme";
    manifest.settings = [
      { name: "token", label: "Token", description: "User name of the API.", required: true, sensitive: true },
      { name: "secret", label: "Secret", description: "Password of the API.", required: true, sensitive: true },
    ];
    manifest.wire = {
      ...manifest.wire,
      path: "/acme/ingest",
      auth: { scheme: "basic", username: "token", password: "secret" },
      envelope: { kind: "object", itemsKey: "items" },
      limits: { maxRecordsPerRequest: 2, maxRequestBytes: 4096, maxRecordBytes: 1024 },
    };
    writeManifest(dir, "segment", manifest);
    const emulators = (running = await startEmulators({ port: 0, connectorsDir: dir }));
    const auth = `Basic ${Buffer.from("test-token:test-secret").toString("base64")}`;
    const ok = await post(`${emulators.url}/acme/ingest`, { items: [segIdentify(1)] }, { auth });
    expect(ok.status).toBe(202);
    const tooMany = await post(`${emulators.url}/acme/ingest`, { items: [segIdentify(1), segIdentify(2), segIdentify(3)] }, { auth });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors[0].message).toContain("over the limit of 2");
  });
});
