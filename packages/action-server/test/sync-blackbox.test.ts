// Scheduled Looks as syncs, from the outside: the server as its own process with the store its
// environment names (the embedded SQLite file or Postgres), executes as Looker posts them, and the
// destination emulators as their own process. What each run sends is read back from the emulators.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulatorProcess, startServerProcess, type EmulatorProcess, type ServerProcess } from "./process.js";
import { bigLook, executeBody, startDownloads, type LookJson, type LookerDownloads, type LookerResult } from "./support.js";

const POSTGRES_URL = process.env["TAGWIRE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const INSTANCE = "looker-blackbox.example.com";
const MP_FORM = { data_type: "user_data", environment: "development" };
const ROWS = 30;

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Where a backend keeps the state: the environment the server is started with, and its removal. */
interface Place {
  readonly env: Record<string, string>;
  remove(): Promise<void>;
}

const BACKENDS: ReadonlyArray<{ name: string; place(): Promise<Place> }> = [
  {
    name: "SQLite",
    async place() {
      const dir = mkdtempSync(join(tmpdir(), "tagwire-blackbox-"));
      return { env: { TAGWIRE_DATABASE_URL: "", TAGWIRE_STATE_DIR: join(dir, "state") }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "Postgres",
    async place() {
      const schema = `tagwire_blackbox_${process.pid}_${randomBytes(4).toString("hex")}`;
      await adminQuery(`CREATE SCHEMA ${schema}`);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set("options", `-c search_path=${schema}`);
      return { env: { TAGWIRE_DATABASE_URL: url.toString() }, remove: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
    },
  },
];

interface WireRecord {
  user_identities?: Record<string, unknown>;
  user_attributes?: Record<string, unknown>;
  deleted_user_attributes?: unknown;
  [key: string]: unknown;
}

/** The Look's rows with `change` applied to each (return undefined to leave a row out). */
function look(change: (row: LookJson["data"][number], i: number) => LookJson["data"][number] | undefined = (row) => row): LookJson {
  const base = bigLook(ROWS);
  return { ...base, data: base.data.map(change).filter((row) => row !== undefined) };
}

describe.each(BACKENDS)("syncs on $name, through the Looker Action API", (backend) => {
  let emulators: EmulatorProcess;
  let downloads: LookerDownloads;
  let place: Place;
  let server: ServerProcess;
  let plans = 1000;
  let webhooks = 0;

  const startServer = () =>
    startServerProcess({
      TAGWIRE_MPARTICLE_URL: emulators.url,
      TAGWIRE_SEGMENT_URL: emulators.url,
      TAGWIRE_MPARTICLE_RATE_LIMIT: "off",
      TAGWIRE_DOWNLOAD_HOSTS: "127.0.0.1",
      TAGWIRE_DOWNLOAD_IDLE_MS: "400",
      ...place.env,
    });

  async function stopServer(): Promise<void> {
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }

  beforeAll(async () => {
    emulators = await startEmulatorProcess();
    downloads = await startDownloads();
    place = await backend.place();
    server = await startServer();
  });
  afterAll(async () => {
    await stopServer().catch(() => server.kill());
    emulators.kill();
    await downloads.close();
    await place.remove();
  });
  beforeEach(async () => {
    await fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ mparticle: {} }) });
    await emulators.reset();
  });

  /** Every record the connector's emulator accepted since the last reset. */
  async function received(connector: string): Promise<WireRecord[]> {
    const body = (await (await fetch(`${emulators.url}/_emulator/${connector}/records?limit=100000`)).json()) as { records: WireRecord[] };
    return body.records;
  }

  /** The records one execute made the emulator accept, and Looker's answer. */
  async function execute(plan: number | null, body: Record<string, unknown>, action = "mparticle", connector = "mparticle"): Promise<{ looker: LookerResult; sent: WireRecord[] }> {
    if (plan === null) delete (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"];
    else (body["scheduled_plan"] as Record<string, unknown>)["scheduled_plan_id"] = plan;
    const before = (await received(connector)).length;
    webhooks++;
    const res = await fetch(`${server.url}/actions/${action}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Token token="${server.secret}"`, "x-looker-instance": INSTANCE, "x-looker-webhook-id": `blackbox-${webhooks}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const looker = ((await res.json()) as { looker: LookerResult }).looker;
    return { looker, sent: (await received(connector)).slice(before) };
  }

  /** A one-time download of the Look whose connection is reset after its first 12 rows. */
  function brokenDownload(data: LookJson): string {
    const text = JSON.stringify(data);
    const cut = text.indexOf('{"users.id":{"value":5012}');
    expect(cut).toBeGreaterThan(0);
    return downloads.serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(text.slice(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
    });
  }

  /** One scheduled execute of `plan` with the Look attached. */
  const run = (plan: number | null, data: LookJson, form: Record<string, string> = {}) =>
    execute(plan, executeBody({ data: emulators.settings.mparticle, form: { ...MP_FORM, ...form }, look: data }));

  const customerIds = (records: ReadonlyArray<WireRecord>) => records.map((r) => r.user_identities?.["customer_id"]).sort();

  it("a second identical run sends nothing, and the message says every row was unchanged", async () => {
    const plan = plans++;
    const first = await run(plan, look());
    expect(first.looker.success).toBe(true);
    expect(first.sent).toHaveLength(ROWS);
    expect(first.looker.message).toContain(`sync: ${ROWS} new, 0 changed, 0 unchanged (not sent)`);

    const second = await run(plan, look());
    expect(second.sent).toEqual([]);
    expect(second.looker.success).toBe(true);
    expect(second.looker.message).toMatch(new RegExp(`^mParticle: sync: 0 new, 0 changed, ${ROWS} unchanged \\(not sent\\), 0 removed \\(ignored\\); 0 of 0 rows to send delivered`));
  });

  it("one changed row sends exactly that row's record", async () => {
    const plan = plans++;
    await run(plan, look());
    const changed = await run(plan, look((row, i) => (i === 7 ? { ...row, "users.city": { value: "Reykjavik" } } : row)));
    expect(changed.sent).toHaveLength(1);
    expect(changed.sent[0]).toMatchObject({ user_identities: { customer_id: "5007", email: "user7@example.com" }, user_attributes: { "looker_users.city": "Reykjavik" } });
    expect(changed.looker.message).toContain(`sync: 0 new, 1 changed, ${ROWS - 1} unchanged (not sent)`);
  });

  it("a row that left the Look is cleared with removed=clear: mParticle's deleted_user_attributes for its identities", async () => {
    const plan = plans++;
    // A sync that clears keeps its rows' identities sealed from its first run on.
    await run(plan, look(), { removed: "clear" });
    const gone = await run(plan, look((row, i) => (i === 3 ? undefined : row)), { removed: "clear" });
    expect(gone.looker.success).toBe(true);
    expect(gone.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS - 1} unchanged (not sent), 1 removed (1 cleared)`);
    expect(gone.sent).toHaveLength(1);
    // The wire spec: mParticle removes a user's attributes by name in `deleted_user_attributes` (a
    // string array); the user is addressed by its user_identities; no attribute is set, no event sent.
    expect(gone.sent[0]).toEqual({
      user_identities: { customer_id: "5003", email: "user3@example.com" },
      deleted_user_attributes: ["looker_users.city", "looker_users.sessions_count"],
      environment: "development",
      source_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    // Forgotten once cleared: the same Look again sends nothing more.
    expect((await run(plan, look((row, i) => (i === 3 ? undefined : row)), { removed: "clear" })).sent).toEqual([]);
  });

  it("a sync that starts clearing later clears every row once one run with rows=all has covered them", async () => {
    const plan = plans++;
    const without3 = look((row, i) => (i === 3 ? undefined : row));
    await run(plan, look());
    // As docs/syncs.md says: rows delivered before clearing was asked for cannot be addressed...
    const unaddressed = await run(plan, without3, { removed: "clear" });
    expect(unaddressed.sent).toEqual([]);
    expect(unaddressed.looker.message).toContain("1 removed (0 cleared, 1 not: ");
    // ...until one full send under `clear` has delivered them again.
    await run(plan, look(), { rows: "all", removed: "clear" });
    const gone = await run(plan, without3, { removed: "clear" });
    expect(gone.sent).toEqual([{ user_identities: { customer_id: "5003", email: "user3@example.com" }, deleted_user_attributes: ["looker_users.city", "looker_users.sessions_count"], environment: "development", source_request_id: expect.any(String) }]);
  });

  it("a row that left the Look is cleared on Segment with an identify that sets its traits to null", async () => {
    const plan = plans++;
    const identify = (data: LookJson) => execute(plan, executeBody({ data: emulators.settings.segment, form: { removed: "clear" }, look: data }), "segment_event", "segment");
    const first = await identify(look());
    expect(first.sent).toHaveLength(ROWS);
    const gone = await identify(look((row, i) => (i === 5 ? undefined : row)));
    expect(gone.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS - 1} unchanged (not sent), 1 removed (1 cleared)`);
    expect(gone.sent).toHaveLength(1);
    // The wire spec: an identify addresses the user by userId (string); the manifest keeps email
    // (an identity, not an audience attribute) and sets every other trait the row set to null.
    expect(first.sent.find((r) => r["userId"] === "5005")!["traits"]).toEqual({ email: "user5@example.com", city: "Osaka", "sessions count": 5 });
    expect(gone.sent[0]).toEqual({ type: "identify", userId: "5005", traits: { city: null, "sessions count": null }, timestamp: expect.any(String), messageId: expect.any(String) });
  });

  it("a row that left the Look sends nothing with removed=ignore, and is sent as new when it returns", async () => {
    const plan = plans++;
    await run(plan, look());
    const gone = await run(plan, look((row, i) => (i === 3 ? undefined : row)));
    expect(gone.sent).toEqual([]);
    expect(gone.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS - 1} unchanged (not sent), 1 removed (ignored)`);
    const back = await run(plan, look());
    expect(customerIds(back.sent)).toEqual(["5003"]);
    expect(back.looker.message).toContain(`sync: 1 new, 0 changed, ${ROWS - 1} unchanged (not sent)`);
  });

  it("a row rejected in a run is still in the Look: with removed=clear it is neither removed nor cleared, and its state is kept", async () => {
    const plan = plans++;
    await run(plan, look(), { removed: "clear" });
    // Row 5's city is over mParticle's 4,096 characters for an attribute: the row is rejected.
    const rejected = await run(plan, look((row, i) => (i === 5 ? { ...row, "users.city": { value: "x".repeat(5000) } } : row)), { removed: "clear" });
    expect(rejected.sent).toEqual([]);
    expect(rejected.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS - 1} unchanged (not sent), 0 removed (0 cleared); 0 of 1 rows to send delivered; 1 rejected`);
    // Its state was kept: the row as it was is unchanged.
    const back = await run(plan, look(), { removed: "clear" });
    expect(back.sent).toEqual([]);
    expect(back.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS} unchanged (not sent), 0 removed`);
  });

  it("rows the destination failed are sent by the next run, and only those", async () => {
    const plan = plans++;
    await run(plan, look());
    const changed = look((row, i) => (i < 4 ? { ...row, "users.sessions_count": { value: 900 + i } } : row));
    // The destination refuses every batch while the changes are sent: those rows fail.
    await fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ mparticle: { failAll: 400 } }) });
    const failing = await run(plan, changed);
    expect(failing.looker.success).toBe(false);
    expect(failing.looker.message).toContain("0 of 4 rows to send delivered");
    expect(failing.sent).toEqual([]);

    await fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ mparticle: {} }) });
    const retried = await run(plan, changed);
    expect(retried.looker.success).toBe(true);
    expect(customerIds(retried.sent)).toEqual(["5000", "5001", "5002", "5003"]);
    expect(retried.sent.map((r) => r.user_attributes?.["looker_users.sessions_count"]).sort()).toEqual([900, 901, 902, 903]);
  });

  it("the state survives a server restart on the same store", async () => {
    const plan = plans++;
    expect((await run(plan, look())).sent).toHaveLength(ROWS);
    await stopServer();
    server = await startServer();
    const again = await run(plan, look());
    expect(again.sent).toEqual([]);
    expect(again.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS} unchanged (not sent)`);
  });

  it("rows=all sends every row again, and the sync keeps its state", async () => {
    const plan = plans++;
    await run(plan, look());
    const all = await run(plan, look(), { rows: "all" });
    expect(customerIds(all.sent)).toEqual(customerIds((await run(null, look())).sent));
    expect(all.sent).toHaveLength(ROWS);
    expect(all.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS} unchanged (sent: all rows asked for)`);
    expect((await run(plan, look())).sent).toEqual([]);
  });

  it("an execute without a scheduled plan id sends every row, every time, and says so", async () => {
    for (let i = 0; i < 2; i++) {
      const { looker, sent } = await run(null, look());
      expect(sent).toHaveLength(ROWS);
      expect(looker.message).toContain("every row was sent: the send has no scheduled plan id");
      expect(looker.message).not.toContain("sync:");
    }
  });

  it("a Look whose download breaks off infers no removals, and leaves the rows it did not read as they were", async () => {
    const plan = plans++;
    // A sync that clears: removals inferred from the broken Look would send clearing records.
    await run(plan, look(), { removed: "clear" });
    const broken = await execute(plan, executeBody({ data: emulators.settings.mparticle, form: { ...MP_FORM, removed: "clear" }, downloadUrl: brokenDownload(look()) }));
    expect(broken.looker.success).toBe(false);
    expect(broken.looker.message).toContain("removed rows not looked for (not every row of the Look was read)");
    expect(broken.looker.message).toContain("the Look could not be read to the end");
    // Twelve rows read, all unchanged; the other eighteen neither cleared nor forgotten.
    expect(broken.sent).toEqual([]);
    const whole = await run(plan, look(), { removed: "clear" });
    expect(whole.sent).toEqual([]);
    expect(whole.looker.message).toContain(`sync: 0 new, 0 changed, ${ROWS} unchanged (not sent), 0 removed (0 cleared)`);
  });

  it("a first run that breaks off is resumed by the next: only the rows not confirmed are sent", async () => {
    const plan = plans++;
    const broken = await execute(plan, executeBody({ data: emulators.settings.mparticle, form: MP_FORM, downloadUrl: brokenDownload(look()) }));
    expect(broken.looker.success).toBe(false);
    expect(customerIds(broken.sent)).toEqual(Array.from({ length: 12 }, (_, i) => String(5000 + i)));
    const resumed = await run(plan, look());
    expect(resumed.looker.success).toBe(true);
    expect(customerIds(resumed.sent)).toEqual(Array.from({ length: ROWS - 12 }, (_, i) => String(5012 + i)));
    expect(resumed.looker.message).toContain(`sync: ${ROWS - 12} new, 0 changed, 12 unchanged (not sent)`);
  });

  it("when the destination refuses some requests of a run, the next run sends exactly the rows it did not take", async () => {
    const plan = plans++;
    const many = bigLook(450);
    const ids = many.data.map((row) => String(row["users.id"]!.value)).sort();
    // About half the requests (100 records each) are refused, the same ones on every try of this seed.
    await fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ mparticle: { statusRates: { 400: 0.5 }, seed: 7 } }) });
    const partial = await run(plan, many);
    const taken = new Set(customerIds(partial.sent) as string[]);
    expect(partial.looker.success).toBe(false);
    expect(taken.size).toBeGreaterThan(0);
    expect(taken.size).toBeLessThan(ids.length);

    await fetch(`${emulators.url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ mparticle: {} }) });
    const next = await run(plan, many);
    expect(next.looker.success).toBe(true);
    expect(customerIds(next.sent)).toEqual(ids.filter((id) => !taken.has(id)));
    expect(next.looker.message).toContain(`${taken.size} unchanged (not sent)`);
  });
});
