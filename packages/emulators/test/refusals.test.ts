// Answers that name refused records, built from each manifest's `wire.refusedRecords`: a 2xx
// listing the objects it refused (the others taken), or a 400 listing them by field (nothing
// taken). Wrong credentials are answered with a status the manifest's `credentialsRefused` declares.

import { describe, expect, it } from "vitest";
import { answerRules, findConnector, loadConnectors } from "@tagwire/engine";
import { faultOf } from "../src/refusals.js";
import { useEmulators } from "./delivery/support.js";

const ctx = useEmulators();
const connectors = loadConnectors();

async function post(path: string, headers: Record<string, string>, body: unknown) {
  const response = await fetch(`${ctx.emulators.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

describe("records refused inside the answer", () => {
  it("Braze-style: 2xx with an `errors` entry per refused object, by index into `attributes`; the others are kept", async () => {
    const braze = findConnector(connectors, "braze");
    const bad = { plan: "gold" };
    const lines = braze.validateRecord(bad)!;
    const { status, text } = await post("/users/track", { authorization: ctx.emulators.credentials("braze").header! }, { attributes: [{ external_id: "u-1", plan: "gold" }, bad] });
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ success: true, errors: [{ type: lines.join("; "), input_array: "attributes", index: 1 }] });
    expect(ctx.emulators.state()["braze"]).toMatchObject({ accepted: 1, dropped: 1 });
  });

  it("Amplitude-style: 400 with `events_with_missing_fields` / `events_with_invalid_fields` by field; nothing is kept", async () => {
    const key = ctx.emulators.credentials("amplitude").settings["api_key"]!;
    const events = [
      { event_type: "Order Completed", user_id: "user-1001", insert_id: "a" },
      { user_id: "user-1002", insert_id: "b" },
      { event_type: "Order Completed", user_id: "user-1003", time: "yesterday", insert_id: "c" },
    ];
    const { status, text } = await post("/2/httpapi", {}, { api_key: key, events });
    expect(status).toBe(400);
    const body = JSON.parse(text);
    expect(body.events_with_missing_fields).toEqual({ event_type: [1] });
    expect(body.events_with_invalid_fields).toEqual({ time: [2] });
    expect(body.silenced_events).toBeUndefined();
    expect(ctx.emulators.state()["amplitude"]!.accepted).toBe(0);
  });

  it("what the emulator answers, the engine reads back to the same records", async () => {
    const amplitude = findConnector(connectors, "amplitude");
    const { text } = await post("/2/httpapi", {}, { api_key: ctx.emulators.credentials("amplitude").settings["api_key"]!, events: [{ user_id: "user-1" }, { event_type: "x", user_id: "user-2", insert_id: "i" }] });
    const { refusedRecordsOf } = await import("@tagwire/engine");
    expect(refusedRecordsOf(text, answerRules(amplitude.manifest.wire), 2)).toEqual([{ index: 0, message: "missing required field `event_type`", list: "events_with_missing_fields" }]);
  });

  it("a problem line names the top-level field at fault", () => {
    expect(faultOf("/: must have required property 'event_type'")).toEqual({ kind: "missing-field", field: "event_type" });
    expect(faultOf("/: must have one of the properties 'user_id', 'device_id'")).toEqual({ kind: "missing-field", field: "user_id" });
    expect(faultOf("/time: must be integer")).toEqual({ kind: "invalid-field", field: "time" });
    expect(faultOf("/event_properties/a/b: must be string")).toEqual({ kind: "invalid-field", field: "event_properties" });
    expect(faultOf("/: must NOT have additional property 'colour'")).toEqual({ kind: "invalid-field", field: "colour" });
  });
});

describe("wrong credentials are answered with a status the manifest says refuses them", () => {
  for (const connector of connectors) {
    it(connector.id, async () => {
      const rules = answerRules(connector.manifest.wire);
      const { auth, path } = connector.manifest.wire;
      const headers: Record<string, string> = auth.scheme === "basic" ? { authorization: `Basic ${Buffer.from("wrong:wrong").toString("base64")}` } : auth.scheme === "bearer" ? { authorization: "Bearer wrong" } : {};
      const envelope = connector.manifest.wire.envelope;
      const body = envelope.kind === "array" ? [] : { [envelope.itemsKey!]: [], ...(auth.scheme === "body" ? { [auth.field!]: "wrong" } : {}) };
      const { status, text } = await post(path, headers, body);
      expect(rules.refusesCredentials(status, text), `HTTP ${status} ${text}`).toBe(true);
    });
  }
});
