// Connector conformance: every folder of connectors/ is held to the same bar, so a new connector
// gets all of it by adding its folder. Folders of test-connectors/ beside this file are held to it
// too, except for the connector reference (they are not shipped destinations): they show that a
// manifest alone declares a destination, its auth included, with no code change.
//   - its manifest validates (meta-schema, cross-checks, the files it names) and names its API docs;
//   - every tag a column rule selects is described in the manifest and listed in docs/connectors.md;
//   - golden fixtures beside the manifest (fixtures/<name>.look.json in, <name>.expected.json out)
//     give exactly the expected records, rejections and warnings, and cover every Looker action;
//   - every expected record passes the connector's wire schema, and the emulator, sent the same
//     Look through the engine, accepts exactly the expected records.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baseUrlVariable,
  connectorsDir,
  createTransport,
  knownTags,
  loadConnectorFile,
  loadConnectors,
  lookSourceFromFile,
  plan,
  readLook,
  RecordIds,
  Rejection,
  repoRoot,
  runContextOf,
  engineLayer,
  runLook,
  scopeOf,
  transformRow,
  type Connector,
  type RowWarning,
  type RunContext,
  type Transport,
} from "@tagwire/engine";
import { startEmulators, type Emulators } from "../../src/index.js";

/** A golden fixture's expectations: the options a Look is sent with, and everything that comes out. */
interface Expected {
  description: string;
  action?: string;
  options: Record<string, string>;
  records: unknown[];
  rejected: Array<{ row: number; reason: string }>;
  warnings: Array<{ row: number; reason: string }>;
}

interface Fixture {
  name: string;
  look: string;
  expected: Expected;
}

/** Every run of a fixture uses this run id, so record ids are the same in the files and on the wire. */
const RUN_ID = "golden";
const foldersOf = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const folders = foldersOf(connectorsDir);
const testConnectorsDir = fileURLToPath(new URL("./test-connectors", import.meta.url));

/** A connector folder under test: a shipped destination of connectors/, or a test-only one. */
interface Folder {
  id: string;
  dir: string;
  shipped: boolean;
}
const allFolders: Folder[] = [
  ...folders.map((id) => ({ id, dir: connectorsDir, shipped: true })),
  ...foldersOf(testConnectorsDir).map((id) => ({ id, dir: testConnectorsDir, shipped: false })),
];
const connectorsDoc = readFileSync(join(repoRoot, "docs", "connectors.md"), "utf8");

function fixturesOf(connectors: string, id: string): { fixtures: Fixture[]; unpaired: string[] } {
  const dir = join(connectors, id, "fixtures");
  if (!existsSync(dir)) return { fixtures: [], unpaired: [] };
  const files = readdirSync(dir);
  const names = new Set(files.filter((f) => f.endsWith(".look.json") || f.endsWith(".expected.json")).map((f) => f.replace(/\.(look|expected)\.json$/, "")));
  const fixtures: Fixture[] = [];
  const unpaired: string[] = [];
  for (const name of [...names].sort()) {
    const look = join(dir, `${name}.look.json`);
    const expectedFile = join(dir, `${name}.expected.json`);
    if (!existsSync(look) || !existsSync(expectedFile)) {
      unpaired.push(name);
      continue;
    }
    fixtures.push({ name, look, expected: JSON.parse(readFileSync(expectedFile, "utf8")) as Expected });
  }
  return { fixtures, unpaired };
}

/** The connector's section of docs/connectors.md: from its heading to the next connector's. */
function docSection(id: string): string {
  const start = connectorsDoc.indexOf(`(\`${id}\`)\n`);
  if (start < 0) return "";
  const next = connectorsDoc.indexOf("\n## ", start);
  return connectorsDoc.slice(start, next < 0 ? undefined : next);
}

/** Plan and transform a fixture's Look with the fixed run id, as `tagwire preview --run-id golden` does with the emulator's credentials. */
async function transformFixture(emulators: Emulators, connector: Connector, fixture: Fixture) {
  const records: unknown[] = [];
  const rejected: Expected["rejected"] = [];
  const warnings: Expected["warnings"] = [];
  const rowWarnings: RowWarning[] = [];
  let program;
  let run: RunContext | undefined;
  let ids: RecordIds | undefined;
  let rowNumber = 0;
  for await (const event of readLook(lookSourceFromFile(fixture.look))) {
    if (event.kind === "header") {
      const p = plan(connector, { fields: event.header.fields, options: fixture.expected.options, ...(fixture.expected.action ? { action: fixture.expected.action } : {}) });
      expect(p.diagnostics.filter((d) => d.severity === "error"), "the fixture's Look can be sent").toEqual([]);
      program = p.program;
      const ranAt = event.header.ranAt ?? "";
      expect(Number.isNaN(Date.parse(ranAt)), "the fixture's Look has a ran_at").toBe(false);
      // The emulator's credentials name the workspace, as in the send below: the same ids.
      run = runContextOf(p, emulators.credentials(connector.id).settings, RUN_ID, ranAt);
      ids = new RecordIds(scopeOf(program, run));
      continue;
    }
    for (const row of event.rows) {
      rowNumber++;
      const out = transformRow(program!, row, rowNumber, run!, rowWarnings, ids);
      for (const w of rowWarnings) warnings.push({ row: w.rowNumber, reason: w.reason });
      rowWarnings.length = 0;
      if (out instanceof Rejection) rejected.push({ row: rowNumber, reason: out.reason });
      else records.push(out);
    }
  }
  return { records, rejected, warnings };
}

/** A transport that keeps every request body it sends. */
function keepingBodies(inner: Transport): Transport & { bodies: string[] } {
  const bodies: string[] = [];
  return {
    bodies,
    post: (url, body, headers) => {
      bodies.push(String(body));
      return inner.post(url, body, headers);
    },
    close: () => inner.close(),
  };
}

/** The emulators of connectors/, and those of test-connectors/. */
let shippedEmulators: Emulators;
let testEmulators: Emulators;
const emulatorsOf = (folder: Folder) => (folder.shipped ? shippedEmulators : testEmulators);
const transport = createTransport();

/** The fixture's Look sent through the engine to the emulator, one request at a time and without retries. */
function sendFixture(emulators: Emulators, c: Connector, fixture: Fixture, sending: Transport) {
  return Effect.runPromise(
    runLook({
      connector: c,
      look: readLook(lookSourceFromFile(fixture.look)),
      settings: emulators.credentials(c.id).settings,
      options: fixture.expected.options,
      ...(fixture.expected.action ? { action: fixture.expected.action } : {}),
      runId: RUN_ID,
      env: { [baseUrlVariable(c.id)]: emulators.url },
      concurrency: 1,
      transport: sending,
      retry: { maxRetries: 0 },
    }).pipe(Effect.provide(engineLayer())),
  );
}
beforeAll(async () => {
  shippedEmulators = await startEmulators({ port: 0 });
  testEmulators = await startEmulators({ port: 0, connectorsDir: testConnectorsDir });
});
afterAll(async () => {
  transport.close();
  await Promise.all([shippedEmulators.close(), testEmulators.close()]);
});

it("connectors/ holds the connectors the engine loads, one per folder", () => {
  expect(folders.length).toBeGreaterThan(0);
  expect(loadConnectors().map((c) => c.id)).toEqual(folders);
});

it("docs/connectors.md is generated from the current manifests", () => {
  const script = join(repoRoot, "packages", "engine", "scripts", "generate-connectors-doc.mjs");
  expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
});

it("test-connectors/ holds at least one connector, and its connectors load as connectors/ ones do", () => {
  const ids = foldersOf(testConnectorsDir);
  expect(ids.length).toBeGreaterThan(0);
  expect(loadConnectors(testConnectorsDir).map((c) => c.id)).toEqual(ids);
});

describe.each(allFolders.map((f) => [f.shipped ? f.id : `${f.id} (test-connectors)`, f] as const))("connector %s", (_name, folder) => {
  const { id, dir } = folder;
  const manifestFile = join(dir, id, "manifest.json");
  const connector = (): Connector => loadConnectorFile(manifestFile);
  const { fixtures, unpaired } = fixturesOf(dir, id);
  const emulators = () => emulatorsOf(folder);

  it("has a manifest that validates, named after its folder, citing the API's documentation", () => {
    expect(existsSync(manifestFile), `${id}/manifest.json exists`).toBe(true);
    const c = connector();
    expect(c.id).toBe(id);
    expect(c.manifest.docsUrl, "docsUrl names the API's public documentation").toMatch(/^https:\/\//);
  });

  it("describes every tag it reads, and only those", () => {
    const m = connector().manifest;
    const tags = knownTags(m).sort();
    expect(tags.length).toBeGreaterThan(0);
    expect(Object.keys(m.tags.descriptions ?? {}).sort()).toEqual(tags);
    for (const tag of tags) expect(m.tags.descriptions?.[tag]?.trim(), `description of ${tag}`).not.toBe("");
  });

  it.skipIf(!folder.shipped)("lists every tag it reads in its section of docs/connectors.md", () => {
    const section = docSection(id);
    expect(section, `docs/connectors.md has a section for ${id}`).not.toBe("");
    const missing = knownTags(connector().manifest).filter((tag) => !section.includes(`| \`${tag}\` |`));
    expect(missing).toEqual([]);
  });

  it("has golden fixtures in pairs, covering every Looker action", () => {
    expect(unpaired, "every <name>.look.json has its <name>.expected.json and the other way round").toEqual([]);
    expect(fixtures.length, `${id}/fixtures holds at least one golden fixture`).toBeGreaterThan(0);
    const actions = connector().manifest.actions.map((a) => a.name);
    const covered = new Set(fixtures.map((f) => f.expected.action ?? (actions.length === 1 ? actions[0] : undefined)));
    expect(actions.filter((a) => !covered.has(a))).toEqual([]);
    for (const f of fixtures) {
      expect(f.expected.description, `${f.name}: says what it shows`).toEqual(expect.any(String));
      expect(f.expected.records.length, `${f.name}: sends at least one record`).toBeGreaterThan(0);
      expect(Array.isArray(f.expected.rejected) && Array.isArray(f.expected.warnings), `${f.name}: lists rejected rows and warnings`).toBe(true);
    }
  });

  it("the emulator refuses a request without the credentials the manifest declares, or with a wrong value, and stores nothing", async () => {
    const c = connector();
    const emulators = emulatorsOf(folder);
    emulators.reset();
    const { envelope, path } = c.manifest.wire;
    const { header, headerName, bodyField } = emulators.credentials(id);
    const changed = (value: string) => `${value.slice(0, -1)}${value.endsWith("x") ? "y" : "x"}`;
    const post = async (headers: Record<string, string>, fields: Record<string, string>) => {
      const body = envelope.kind === "array" ? [] : { ...fields, [envelope.itemsKey!]: [] };
      const answer = await fetch(`${emulators.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      return answer.status;
    };
    expect([400, 401]).toContain(await post({}, {}));
    const wrongHeader = header !== undefined ? { [headerName ?? "authorization"]: changed(header) } : {};
    const wrongField = bodyField !== undefined ? { [bodyField.name]: changed(bodyField.value) } : {};
    expect([400, 401, 403]).toContain(await post(wrongHeader, wrongField));
    expect(emulators.state()[id]).toMatchObject({ accepted: 0 });
  });

  describe.each(fixtures.map((f) => [f.name, f] as const))("fixture %s", (_name, fixture) => {
    it("plan and transform give exactly the expected records, rejections and warnings", async () => {
      const actual = await transformFixture(emulators(), connector(), fixture);
      expect(actual.records).toStrictEqual(fixture.expected.records);
      expect(actual.rejected).toStrictEqual(fixture.expected.rejected);
      expect(actual.warnings).toStrictEqual(fixture.expected.warnings);
    });

    it("every expected record passes the connector's wire schema", () => {
      const c = connector();
      for (const [i, record] of fixture.expected.records.entries()) expect(c.validateRecord(record), `record ${i}`).toBeUndefined();
    });

    it("sent through the engine, the emulator accepts exactly the expected records", async () => {
      const c = connector();
      const emulators = emulatorsOf(folder);
      emulators.reset();
      const sending = keepingBodies(transport);
      const report = await sendFixture(emulators, c, fixture, sending);
      const { records, rejected } = fixture.expected;
      expect(report.rows).toEqual({ read: records.length + rejected.length, delivered: records.length, rejected: rejected.length, failed: 0 });
      // The report groups rejections by reason, with a few example rows each.
      const byReason = new Map<string, number[]>();
      for (const r of rejected) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.row]);
      const counts = (pairs: Array<[string, number]>) => pairs.sort(([a], [b]) => a.localeCompare(b));
      expect(counts(report.rejected.map((g) => [g.reason, g.count]))).toEqual(counts([...byReason].map(([reason, rows]) => [reason, rows.length])));
      for (const g of report.rejected) for (const e of g.examples) expect(byReason.get(g.reason)).toContain(e.row);

      // What went over the wire: the manifest's envelope around exactly the expected records.
      const { envelope } = c.manifest.wire;
      const sent = sending.bodies.flatMap((body) => {
        const parsed = JSON.parse(body) as unknown;
        if (envelope.kind === "array") return parsed as unknown[];
        return (parsed as Record<string, unknown[]>)[envelope.itemsKey!]!;
      });
      expect(sent).toStrictEqual(records);

      const state = emulators.state()[id]!;
      expect(state).toMatchObject({ accepted: records.length, dropped: 0, duplicates: 0 });
      expect(emulators.records(id)).toStrictEqual(records);
    });
  });

  // A connector whose API names refused records in its answer (`wire.refusedRecords`): the
  // emulator names a record its wire schema refuses there, and the engine reports that row
  // rejected by the destination while the others are delivered (sent again without it when the
  // API took none of the request).
  const namesRefusals = connector().manifest.wire.refusedRecords !== undefined;
  it.skipIf(!namesRefusals)("a record the API refuses inside its answer is rejected by the destination; the others are delivered", async () => {
    const c = connector();
    const fixture = fixtures.find((f) => f.expected.records.length >= 2) ?? fixtures[0]!;
    const { records, rejected } = fixture.expected;
    const broken = {};
    expect(c.validateRecord(broken), "the stand-in record breaks the wire schema").toBeDefined();
    const emulators = emulatorsOf(folder);
    emulators.reset();
    const sending = keepingBodies(breakingFirstRecord(transport, c, broken));
    const report = await sendFixture(emulators, c, fixture, sending);
    const firstRecordRow = Array.from({ length: records.length + rejected.length }, (_, i) => i + 1).find((n) => !rejected.some((r) => r.row === n))!;
    expect(report.rows).toEqual({ read: records.length + rejected.length, delivered: records.length - 1, rejected: rejected.length + 1, failed: 0 });
    const byDestination = report.rejected.filter((g) => g.byDestination === true);
    expect(byDestination.map((g) => [g.count, g.examples.map((e) => e.row)])).toEqual([[1, [firstRecordRow]]]);
    expect(byDestination[0]!.reason.startsWith(`refused by ${c.manifest.label}: `)).toBe(true);
    expect(emulators.records(id)).toStrictEqual(records.slice(1));
    if (c.manifest.wire.refusedRecords!.answer === "client-error") {
      // None of the first request was taken: the others went again, on their own.
      expect(sending.bodies).toHaveLength(2);
      expect(itemsOf(c, sending.bodies[1]!)).toStrictEqual(records.slice(1));
    } else {
      expect(sending.bodies).toHaveLength(1);
    }
  });
});

/** The records of a request body, in the connector's envelope. */
function itemsOf(c: Connector, body: string): unknown[] {
  const parsed = JSON.parse(body) as unknown;
  return c.manifest.wire.envelope.kind === "array" ? (parsed as unknown[]) : (parsed as Record<string, unknown[]>)[c.manifest.wire.envelope.itemsKey!]!;
}

/** Replaces the first record of the first request with `broken`, as a record the API's schema refuses. */
function breakingFirstRecord(inner: Transport, c: Connector, broken: unknown): Transport {
  let first = true;
  return {
    post: (url, body, headers) => {
      if (!first) return inner.post(url, body, headers);
      first = false;
      const parsed = JSON.parse(String(body)) as unknown;
      const items = c.manifest.wire.envelope.kind === "array" ? (parsed as unknown[]) : (parsed as Record<string, unknown[]>)[c.manifest.wire.envelope.itemsKey!]!;
      items[0] = broken;
      return inner.post(url, JSON.stringify(parsed), headers);
    },
    close: () => inner.close(),
  };
}
