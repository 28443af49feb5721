import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bigLook, executeBody, metric, sampleLook, startHarness, untagged, type Harness } from "./support.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulators.reset();
  for (const id of h.emulators.connectors) h.emulators.setFaults(id, {});
});

const nothingSent = () => {
  for (const id of h.emulators.connectors) expect(h.emulators.state()[id]!.requests, id).toBe(0);
};

describe("plan errors: nothing is sent", () => {
  it("a Look without an identity tag names the requirement and the tags to use", async () => {
    const { status, looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: { data_type: "user_data", environment: "development" }, look: untagged(sampleLook()) }));
    expect(status).toBe(200);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent\. Requirement identity: no column provides the user identity/);
    for (const tag of ["mp_email", "mp_customer_id", "mp_other4"]) expect(looker.message).toContain(`\`${tag}\``);
    expect(looker.validation_errors).toEqual({});
    nothingSent();
  });

  it("segment_group without a segment_group_id column names that tag", async () => {
    const { looker } = await h.execute("segment_group", executeBody({ data: h.settings.segment, look: sampleLook() }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent\. Requirement group-id: no column provides the group id\./);
    expect(looker.message).toContain("`segment_group_id`");
    nothingSent();
  });

  it("segment actions without any identifier tag name email, user_id and segment_anonymous_id", async () => {
    // With field-name trait keys no column can stand in for the email trait either.
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, form: { trait_names: "name" }, look: untagged(sampleLook()) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent\. Requirement identifier: /);
    for (const tag of ["user_id", "email", "segment_anonymous_id"]) expect(looker.message).toContain(`\`${tag}\``);
    nothingSent();
  });

  it("an option value that is not a choice: validation_errors keyed by option name", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: { data_type: "users", environment: "prod" }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.validation_errors).toEqual({
      data_type: "`users` is not a choice of `data_type`.",
      environment: "`prod` is not a choice of `environment`.",
    });
    expect(looker.message).toContain("Option data_type: `users` is not a choice of `data_type`. Fix: Choices: user_data, event_data.");
    nothingSent();
  });

  it("an unknown option: validation_errors keyed by its name", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, form: { colour: "blue" }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(Object.keys(looker.validation_errors!)).toEqual(["colour"]);
    expect(looker.validation_errors!["colour"]).toContain("is not an option of Segment");
    nothingSent();
  });

  it("segment_track without an event name: validation_errors.event", async () => {
    const { looker } = await h.execute("segment_track", executeBody({ data: h.settings.segment, form: { event: "" }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.validation_errors).toEqual({ event: "option `event` (Event) is required when call is track." });
    nothingSent();
  });

  it("an event name over its limit: validation_errors.event says so (the first problem is kept)", async () => {
    const { looker } = await h.execute("segment_track", executeBody({ data: h.settings.segment, form: { event: "x".repeat(201) }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.validation_errors!["event"]).toBe("`event` is 201 characters long; at most 200 are accepted.");
    nothingSent();
  });

  it("a fixed option cannot be overridden from the form", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, form: { call: "track" }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.validation_errors!["call"]).toContain("cannot be chosen here");
    nothingSent();
  });
});

describe("settings", () => {
  it("a missing setting is named, a given value is never echoed", async () => {
    const { looker, text } = await h.execute("mparticle", executeBody({ data: { apiKey: h.settings.mparticle.apiKey }, form: {}, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toBe("Nothing was sent. setting `apiSecret` (API Secret) is missing. Check the action's settings in Looker (Admin > Actions).");
    expect(text).not.toContain(h.settings.mparticle.apiKey);
    nothingSent();
  });

  it("no settings at all: every required one is named", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: {}, form: {}, look: bigLook(2) }));
    expect(looker.message).toContain("`apiKey`");
    expect(looker.message).toContain("`apiSecret`");
    const seg = await h.execute("segment_event", executeBody({ data: {}, look: bigLook(2) }));
    expect(seg.looker.success).toBe(false);
    expect(seg.looker.message).toContain("setting `segment_write_key` (Segment Source Write Key) is missing.");
    nothingSent();
  });

  it("a setting outside its choices is refused", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: { ...h.settings.mparticle, pod: "MARS" }, form: {}, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("setting `pod` is not one of its choices: US1, US2, EU1, AU1.");
    // A value typed into the wrong setting may be a credential: it is never quoted back.
    expect(looker.message).not.toContain("MARS");
    nothingSent();
  });

  it("wrong credentials: the destination's 403 is reported as failed rows, naming the settings, never their values", async () => {
    const { looker, text } = await h.execute("mparticle", executeBody({ data: { apiKey: "wrong-key-1234", apiSecret: "wrong-secret-5678" }, form: {}, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 0 of 2 rows delivered; 2 failed \(HTTP 403: the destination refused the credentials \(`apiKey`, `apiSecret`\); nothing more was sent: rows 1-2\)/);
    expect(text).not.toContain("wrong-secret-5678");
    expect(text).not.toContain("wrong-key-1234");
    expect(h.emulators.records("mparticle")).toHaveLength(0);
  });

  it("wrong credentials stop the send: thousands of rows cost ONE request, and every row fails at once with that reason", async () => {
    const rows = 5_000;
    const started = performance.now();
    const { looker } = await h.execute("mparticle", executeBody({ data: { apiKey: "wrong-key-1234", apiSecret: "wrong-secret-5678" }, form: {}, look: bigLook(rows) }));
    const ms = performance.now() - started;
    expect(h.emulators.state()["mparticle"]!.requests).toBe(1);
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 0 of 5,000 rows delivered; 5,000 failed \(HTTP 403: [^)]*\); nothing more was sent: rows 1-5000\)\. 1 request, 0 retries/);
    // No pacing, no backoff: the rows left are failed as they are read.
    expect(ms).toBeLessThan(5_000);
  });

  it("a setting that cannot go into a header is named before anything is sent", async () => {
    const { looker, text } = await h.execute("segment_event", executeBody({ data: { segment_write_key: "wk-pasted\r\nX-Injected: 1" }, look: bigLook(2) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("setting `segment_write_key`");
    expect(looker.message).toContain("cannot be sent in an HTTP header");
    expect(text).not.toContain("wk-pasted");
    nothingSent();
  });
});

describe("a failing destination", () => {
  it("failAll 400 (not retried): success false, every row failed, one request", async () => {
    h.emulators.setFaults("segment", { failAll: 400 });
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: bigLook(5) }));
    expect(looker.success).toBe(false);
    // Not retried, so not "after retries".
    expect(looker.message).toMatch(/^Segment: 0 of 5 rows delivered; 5 failed \(HTTP 400[^)]*: rows 1-5\)\. 1 requests?, 0 retries/);
    expect(h.emulators.state()["segment"]!.requests).toBe(1);
    expect(h.emulators.records("segment")).toHaveLength(0);
  });

  it("failAll 429 with Retry-After 0: retried to the limit, then failed", async () => {
    h.emulators.setFaults("mparticle", { failAll: 429, retryAfterSeconds: 0 });
    const before = await (await fetch(`${h.server.url}/metrics`)).text();
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, form: { data_type: "user_data", environment: "development" }, look: bigLook(4) }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^mParticle: 0 of 4 rows delivered; 4 failed after retries \(HTTP 429[^)]*: rows 1-4\)\. 7 requests, 6 retries/);
    // One attempt and six retries (the engine's default policy).
    expect(h.emulators.state()["mparticle"]!.requests).toBe(7);
    const after = await (await fetch(`${h.server.url}/metrics`)).text();
    const delta = (series: string) => metric(after, series) - metric(before, series);
    expect(delta('tagwire_rows_total{connector="mparticle",outcome="failed"}')).toBe(4);
    expect(delta('tagwire_rows_total{connector="mparticle",outcome="delivered"}')).toBe(0);
    expect(delta('tagwire_destination_requests_total{connector="mparticle",status="429"}')).toBe(7);
    expect(delta('tagwire_retries_total{connector="mparticle"}')).toBe(6);
    expect(delta('tagwire_executes_total{action="mparticle",result="failure"}')).toBe(1);
  });
});

describe("the Look itself", () => {
  it("inline text that is not JSON: success false, nothing sent", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, look: "{not json" }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Nothing was sent: Look JSON is malformed at byte \d+/);
    nothingSent();
  });

  it("a Look without fields: success false, nothing sent", async () => {
    const { looker } = await h.execute("mparticle", executeBody({ data: h.settings.mparticle, look: '{"data": []}' }));
    expect(looker.success).toBe(false);
    expect(looker.message).toContain("no \"fields\"");
    nothingSent();
  });

  it("a Look with fields and no rows: not a success, no request", async () => {
    const { looker } = await h.execute("segment_event", executeBody({ data: h.settings.segment, look: { ...bigLook(1), data: [] } }));
    expect(looker.success).toBe(false);
    expect(looker.message).toMatch(/^Segment: 0 of 0 rows delivered\./);
    nothingSent();
  });
});
