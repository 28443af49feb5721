// The emulators validate records with the engine's loaded connectors: the engine's pre-send check
// and the emulator word a broken record the same way.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { connectorsDir, ManifestError } from "@tagwire/engine";
import { startEmulators } from "../../src/index.js";
import { mparticle, segment, useEmulators } from "./support.js";

const ctx = useEmulators();

const post = async (path: string, header: string, body: unknown) => {
  const response = await fetch(`${ctx.emulators.url}${path}`, { method: "POST", headers: { authorization: header, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any };
};

describe("one wording for a broken record", () => {
  it("mParticle: the 400's messages are the engine's validateRecord lines", async () => {
    const good = { user_identities: { email: "a@example.com" }, environment: "production", source_request_id: "r-1" };
    const bad = {
      user_identities: { customerid: "7" },
      environment: "staging",
      events: [{ event_type: "custom_event", data: { custom_event_type: "other" } }],
    };
    const lines = mparticle.validateRecord(bad)!;
    expect(lines).toEqual(
      expect.arrayContaining([
        "/user_identities: must NOT have additional property 'customerid'",
        "/events/0/data: must have required property 'event_name'",
        expect.stringMatching(/^\/environment: must be equal to one of the allowed values: "development", "production"/),
      ]),
    );
    expect(lines.some((l) => l.includes('"if"') || l.includes("must match \"then\""))).toBe(false);

    const response = await post("/v2/bulkevents", ctx.emulators.credentials("mparticle").header!, [good, bad]);
    expect(response.status).toBe(400);
    expect(response.json.errors.map((e: { message: string }) => e.message)).toEqual(lines.map((l) => `record 1: ${l}`));
    expect(ctx.emulators.state()["mparticle"]!.accepted).toBe(0);
  });

  it("Segment: the dropped reason is the engine's lines, with anyOf-of-required folded into one", async () => {
    const anonymous = { type: "identify", traits: { plan: "pro" }, messageId: "m-1" };
    const lines = segment.validateRecord(anonymous)!;
    expect(lines).toEqual(["/: must have one of the properties 'userId', 'anonymousId'"]);

    const noEvent = { type: "track", userId: "u1", messageId: "m-2" };
    expect(segment.validateRecord(noEvent)).toEqual(["/: must have required property 'event'"]);

    const response = await post("/v1/batch", ctx.emulators.credentials("segment").header!, { batch: [anonymous, noEvent, { type: "identify", userId: "u2", messageId: "m-3" }] });
    expect(response.status).toBe(200);
    const state = ctx.emulators.state()["segment"]!;
    expect(state.accepted).toBe(1);
    expect(state.droppedReasons).toEqual({ [lines.join("; ")]: 1, "/: must have required property 'event'": 1 });
  });

  it("records the engine sends pass the same check the emulator applies", () => {
    expect(segment.validateRecord({ type: "identify", userId: "u1", messageId: "m", timestamp: "2026-11-01T10:00:00Z" })).toBeUndefined();
    expect(mparticle.validateRecord({ user_identities: { customer_id: "1" }, schema_version: 2 })).toBeUndefined();
  });
});

describe("manifests are loaded by the engine", () => {
  it("a manifest the engine refuses stops the ctx.emulators from starting, with the engine's problems", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tagwire-manifest-"));
    try {
      cpSync(join(connectorsDir, "segment"), join(dir, "segment"), { recursive: true });
      const file = join(dir, "segment", "manifest.json");
      const manifest = JSON.parse(readFileSync(file, "utf8"));
      manifest.wire.recordSchema = relative(join(dir, "segment"), join(connectorsDir, "segment", manifest.wire.recordSchema));
      // The wire section is fine; the dedup field is filled by no rule, which only the full validation sees.
      manifest.fills = manifest.fills.filter((f: { target: string }) => f.target !== "messageId");
      writeFileSync(file, JSON.stringify(manifest));
      const started = startEmulators({ port: 0, connectorsDir: dir });
      await expect(started).rejects.toBeInstanceOf(ManifestError);
      await expect(started).rejects.toThrow("a fill must set `messageId`");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
