import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findConnector, loadConnectorFile, loadConnectors, validateManifest } from "../../src/manifest/load.js";
import { ManifestError, UnknownConnectorError } from "../../src/errors.js";
import { connectorsDir, schemasDir } from "../../src/paths.js";
import {
  applyMutation, brokenConstraints, del, expectProblem, manifest, manifestError, mutated, RAW_AJV, realFile, schemaConstraints, set,
  tempRepo, verboseValidator, type TableCase, type TempRepo,
} from "./mutate.js";

describe("the real connectors", () => {
  it("load one by one", () => {
    for (const id of ["mparticle", "segment"] as const) {
      const c = loadConnectorFile(realFile(id));
      expect(c.id).toBe(id);
      expect(c.file).toBe(realFile(id));
      expect(c.dir).toBe(join(connectorsDir, id));
      expect(c.manifest).toEqual(manifest(id));
      expect(typeof c.validateRecord).toBe("function");
    }
  });

  it("are found by loadConnectors, in folder order", () => {
    expect(loadConnectors().map((c) => c.id)).toEqual(["amplitude", "braze", "mparticle", "segment"]);
  });

  it("carry Segment's downstream table of 77 rows, and none for mParticle", () => {
    const connectors = loadConnectors();
    const mparticle = connectors.find((c) => c.id === "mparticle");
    const segment = connectors.find((c) => c.id === "segment");
    expect(segment!.downstreams).toHaveLength(77);
    expect(segment!.downstreams[0]).toEqual({ id: "aboardly", requires: [{ allOf: ["userId"] }] });
    expect(new Set(segment!.downstreams.map((d) => d.id)).size).toBe(77);
    expect(mparticle!.downstreams).toEqual([]);
  });

  it("serve their icons as SVG data URIs", () => {
    for (const c of loadConnectors()) {
      const prefix = "data:image/svg+xml;base64,";
      expect(c.iconDataUri?.startsWith(prefix)).toBe(true);
      const decoded = Buffer.from(c.iconDataUri!.slice(prefix.length), "base64");
      expect(decoded.equals(readFileSync(join(c.dir, "icon.svg")))).toBe(true);
    }
  });

  it("have no icon data URI without an icon", () => {
    expect(validateManifest(mutated("mparticle", del("/icon")), realFile("mparticle")).iconDataUri).toBeUndefined();
  });

  it("validate records against their wire schemas", () => {
    const c = loadConnectorFile(realFile("segment"));
    expect(c.validateRecord({ type: "identify", userId: "u1", messageId: "m1", timestamp: "2026-11-01T10:00:00Z" })).toBeUndefined();
    expect(c.validateRecord({ type: "jump" })).toEqual(expect.arrayContaining([expect.stringMatching(/^\/\S*: /)]));
  });

  it("check each date-time, a repeat of the last one as well as a new one", () => {
    const c = loadConnectorFile(realFile("segment"));
    const at = (timestamp: string) => c.validateRecord({ type: "identify", userId: "u1", messageId: "m1", timestamp });
    const good = "2026-11-01T10:00:00Z";
    const bad = "2026-13-01T10:00:00Z";
    for (const round of [1, 2]) {
      expect(at(good), `round ${round}`).toBeUndefined();
      expect(at(good), `round ${round}`).toBeUndefined();
      expect(at(bad), `round ${round}`).toEqual([expect.stringMatching(/^\/timestamp: .*date-time/)]);
      expect(at(bad), `round ${round}`).toEqual([expect.stringMatching(/^\/timestamp: .*date-time/)]);
      expect(at("2026-11-01T25:00:00Z"), `round ${round}`).toBeDefined();
    }
  });
});

describe("ManifestError", () => {
  it("lists each problem as `at <pointer>: <words> (rule: <keyword>)` under the file name", () => {
    const error = manifestError(() => validateManifest(mutated("mparticle", del("/label"), set("/wire/path", "v2/bulkevents")), realFile("mparticle")));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error._tag).toBe("ManifestError");
    const shown = relative(process.cwd(), realFile("mparticle"));
    expect(error.file).toBe(shown);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(`${shown} is not a valid connector manifest:`);
    expect(lines).toContain("  - at /: missing required key `label` (rule: required)");
    expect(lines).toContain("  - at /wire/path: must start with `/`, such as `/v1/batch` (rule: pattern)");
    expect(lines).toHaveLength(3);
  });
});

describe("the loader's own rules", () => {
  let repo: TempRepo;
  beforeEach(() => {
    repo = tempRepo();
  });
  afterEach(() => repo.remove());

  it("json: a manifest that is not JSON", () => {
    writeFileSync(repo.file("mparticle"), "{ \"id\": \"mparticle\",");
    const error = manifestError(() => loadConnectorFile(repo.file("mparticle")));
    expect(resolve(error.file)).toBe(repo.file("mparticle"));
    expectProblem(error.problems, { path: "", rule: "json", words: "is not valid JSON" });
  });

  it("readable: a manifest that cannot be read", () => {
    const error = manifestError(() => loadConnectorFile(join(repo.connectors, "nope", "manifest.json")));
    expectProblem(error.problems, { path: "", rule: "readable", words: "cannot be read (ENOENT)" });
  });

  it("id-is-folder: in the connectors folder, the id is the folder name", () => {
    const error = manifestError(() => validateManifest(mutated("mparticle", set("/id", "segment")), realFile("mparticle")));
    expectProblem(error.problems, { path: "/id", rule: "id-is-folder", words: "is `segment` but the folder is `mparticle`" });
  });

  it("id-is-folder: loadConnectors holds every folder it reads to it", () => {
    renameSync(repo.dir("mparticle"), join(repo.connectors, "mparticle_eu"));
    // Outside loadConnectors, a manifest elsewhere may sit in any folder.
    expect(loadConnectorFile(join(repo.connectors, "mparticle_eu", "manifest.json")).id).toBe("mparticle");
    const error = manifestError(() => loadConnectors(repo.connectors));
    expect(resolve(error.file)).toBe(join(repo.connectors, "mparticle_eu", "manifest.json"));
    expectProblem(error.problems, { path: "/id", rule: "id-is-folder", words: "is `mparticle` but the folder is `mparticle_eu`" });
  });

  it("file-exists: the icon", () => {
    const error = manifestError(() => validateManifest(mutated("mparticle", set("/icon", "logo.svg")), realFile("mparticle")));
    expect(resolve(error.file)).toBe(realFile("mparticle"));
    expectProblem(error.problems, { path: "/icon", rule: "file-exists", words: "logo.svg, which does not exist" });
  });

  it("file-exists: the icon removed from a copied folder", () => {
    rmSync(repo.file("segment", "icon.svg"));
    const error = manifestError(() => loadConnectorFile(repo.file("segment")));
    expectProblem(error.problems, { path: "/icon", rule: "file-exists", words: "icon.svg, which does not exist" });
  });

  it("file-exists: the wire record schema", () => {
    const json = mutated("mparticle", set("/wire/recordSchema", "../../schemas/wire/mparticle.schema.json"));
    const error = manifestError(() => validateManifest(json, realFile("mparticle")));
    expect(resolve(error.file)).toBe(realFile("mparticle"));
    expectProblem(error.problems, { path: "/wire/recordSchema", rule: "file-exists", words: "mparticle.schema.json, which does not exist" });
  });

  it("file-exists: the downstream table", () => {
    const error = manifestError(() => validateManifest(mutated("segment", set("/downstreams/file", "destinations.json")), realFile("segment")));
    expect(resolve(error.file)).toBe(realFile("segment"));
    expectProblem(error.problems, { path: "/downstreams/file", rule: "file-exists", words: "destinations.json, which does not exist" });
  });

  it("schema-compiles: a wire schema ajv cannot compile", () => {
    writeFileSync(join(repo.root, "schemas", "wire", "broken.schema.json"), JSON.stringify({ type: "recrod" }));
    repo.writeJson("mparticle", mutated("mparticle", set("/wire/recordSchema", "../../schemas/wire/broken.schema.json")));
    const error = manifestError(() => loadConnectorFile(repo.file("mparticle")));
    expect(resolve(error.file)).toBe(repo.file("mparticle"));
    expectProblem(error.problems, { path: "/wire/recordSchema", rule: "schema-compiles", words: "broken.schema.json does not compile: schema is invalid" });
  });

  it("schema-compiles, with recordSchemas first-use: the load passes and the first record checked fails", () => {
    writeFileSync(join(repo.root, "schemas", "wire", "broken.schema.json"), JSON.stringify({ type: "recrod" }));
    repo.writeJson("mparticle", mutated("mparticle", set("/wire/recordSchema", "../../schemas/wire/broken.schema.json")));
    const c = loadConnectorFile(repo.file("mparticle"), { recordSchemas: "first-use" });
    const error = manifestError(() => c.validateRecord({}));
    expect(resolve(error.file)).toBe(repo.file("mparticle"));
    expectProblem(error.problems, { path: "/wire/recordSchema", rule: "schema-compiles", words: "broken.schema.json does not compile: schema is invalid" });
  });

  it("file-exists, with recordSchemas first-use: a missing wire schema still fails the load", () => {
    const json = mutated("mparticle", set("/wire/recordSchema", "../../schemas/wire/mparticle.schema.json"));
    const error = manifestError(() => validateManifest(json, realFile("mparticle"), { recordSchemas: "first-use" }));
    expectProblem(error.problems, { path: "/wire/recordSchema", rule: "file-exists", words: "mparticle.schema.json, which does not exist" });
  });

  it("recordSchemas first-use: records are checked as at load", () => {
    const [eager, lazy] = [loadConnectorFile(realFile("segment")), loadConnectorFile(realFile("segment"), { recordSchemas: "first-use" })];
    for (const record of [{ type: "identify", userId: "u1", messageId: "m1", timestamp: "2026-11-01T10:00:00Z" }, { type: "jump" }]) {
      expect(lazy.validateRecord(record)).toEqual(eager.validateRecord(record));
    }
  });

  it("json: a wire schema that is not JSON", () => {
    const schema = join(repo.root, "schemas", "wire", "mparticle-batch.schema.json");
    writeFileSync(schema, "{");
    const error = manifestError(() => loadConnectorFile(repo.file("mparticle")));
    expect(resolve(error.file)).toBe(schema);
    expectProblem(error.problems, { path: "", rule: "json", words: "is not valid JSON" });
  });

  it("unique-action: Looker action names are unique across connectors", () => {
    repo.writeJson("segment", mutated("segment", set("/actions/1/name", "mparticle")));
    const error = manifestError(() => loadConnectors(repo.connectors));
    expect(resolve(error.file)).toBe(repo.file("segment"));
    expectProblem(error.problems, { path: "/actions/1/name", rule: "unique-action", words: "action `mparticle` is also declared by connector `mparticle`" });
  });

  it("loadConnectors reads only folders holding a manifest.json, sorted", () => {
    mkdirSync(join(repo.connectors, "aaa_draft"));
    writeFileSync(join(repo.connectors, "aaa_draft", "notes.md"), "later");
    writeFileSync(join(repo.connectors, "README.md"), "connectors");
    renameSync(repo.dir("segment"), join(repo.connectors, "a_segment"));
    repo.writeJson("a_segment", { ...repo.readJson("a_segment"), id: "a_segment" });
    expect(loadConnectors(repo.connectors).map((c) => c.id)).toEqual(["a_segment", "mparticle"]);
  });
});

// ---------------------------------------------------------------------------------------------
// The downstream table file: its own schema, with problems located in it.

const ONE_OF = "a downstream requirement lists exactly one of `anyOf` or `allOf`";
const tableCases: TableCase[] = [
  ...["description", "source", "rows"].map((key) => ({ title: `the table requires ${key}`, mutations: [del(`/${key}`)], path: "", rule: "required", words: `missing required key \`${key}\`` })),
  { title: "the table rejects unknown keys", mutations: [set("/version", 2)], path: "", rule: "additionalProperties", words: "unknown key `version`" },
  { title: "$schema is a string", mutations: [set("/$schema", true)], path: "/$schema", rule: "type", words: "must be a string" },
  { title: "the description is not empty", mutations: [set("/description", "")], path: "/description", rule: "minLength", words: "must not be empty" },
  { title: "the source is not empty", mutations: [set("/source", "")], path: "/source", rule: "minLength", words: "must not be empty" },
  { title: "the table has rows", mutations: [set("/rows", [])], path: "/rows", rule: "minItems", words: "must list at least one item" },
  ...["id", "requires"].map((key) => ({ title: `a row requires ${key}`, mutations: [del(`/rows/4/${key}`)], path: "/rows/4", rule: "required", words: `missing required key \`${key}\`` })),
  { title: "a row rejects unknown keys", mutations: [set("/rows/4/url", "https://amplitude.com")], path: "/rows/4", rule: "additionalProperties", words: "unknown key `url`" },
  { title: "a row id is lowercase", mutations: [set("/rows/4/id", "Amplitude")], path: "/rows/4/id", rule: "pattern", words: "must start with a lowercase letter or digit and hold only lowercase letters, digits, `.` and `-`" },
  { title: "a row id has no underscore", mutations: [set("/rows/4/id", "amplitude_eu")], path: "/rows/4/id", rule: "pattern", words: "must start with a lowercase letter or digit" },
  { title: "a row note is a string", mutations: [set("/rows/5/note", ["previously appboy"])], path: "/rows/5/note", rule: "type", words: "must be a string" },
  { title: "a row requires something", mutations: [set("/rows/4/requires", [])], path: "/rows/4/requires", rule: "minItems", words: "must list at least one item" },
  { title: "a requirement lists anyOf or allOf", mutations: [set("/rows/4/requires/0", {})], path: "/rows/4/requires/0", rule: "minProperties", words: ONE_OF },
  { title: "a requirement lists only one of anyOf and allOf", mutations: [set("/rows/4/requires/0/anyOf", ["anonymousId"])], path: "/rows/4/requires/0", rule: "maxProperties", words: ONE_OF },
  { title: "a requirement rejects unknown keys", mutations: [set("/rows/4/requires/0", { oneOf: ["userId"] })], path: "/rows/4/requires/0", rule: "additionalProperties", words: "unknown key `oneOf`" },
  { title: "allOf is not empty", mutations: [set("/rows/4/requires/0/allOf", [])], path: "/rows/4/requires/0/allOf", rule: "minItems", words: "must list at least one item" },
  { title: "anyOf is not empty", mutations: [set("/rows/2/requires/0/anyOf", [])], path: "/rows/2/requires/0/anyOf", rule: "minItems", words: "must list at least one item" },
  { title: "anyOf holds paths", mutations: [set("/rows/2/requires/0/anyOf/0", 1)], path: "/rows/2/requires/0/anyOf/0", rule: "type", words: "must be a string" },
];

function realTable(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(connectorsDir, "segment", "downstreams.json"), "utf8")) as Record<string, unknown>;
}

describe("each rule of the downstream table schema has a failing example", () => {
  it.each(tableCases)("$title", ({ mutations, path, rule, words }) => {
    const repo = tempRepo(["segment"]);
    try {
      const table = realTable();
      for (const m of mutations) applyMutation(table, m);
      repo.writeJson("segment", table, "downstreams.json");
      const error = manifestError(() => loadConnectorFile(repo.file("segment")));
      expect(resolve(error.file)).toBe(repo.file("segment", "downstreams.json"));
      expectProblem(error.problems, { path, rule, words });
      expect(error.problems.filter((p) => p.path === path)).toHaveLength(1);
      for (const p of error.problems) expect(p.message).not.toMatch(RAW_AJV);
    } finally {
      repo.remove();
    }
  });

  it("json: a table that is not JSON", () => {
    const repo = tempRepo(["segment"]);
    try {
      writeFileSync(repo.file("segment", "downstreams.json"), "[");
      const error = manifestError(() => loadConnectorFile(repo.file("segment")));
      expect(resolve(error.file)).toBe(repo.file("segment", "downstreams.json"));
      expectProblem(error.problems, { path: "", rule: "json", words: "is not valid JSON" });
    } finally {
      repo.remove();
    }
  });

  it("breaks every constraint of the table schema at least once", () => {
    const schema = JSON.parse(readFileSync(join(schemasDir, "downstream-table.schema.json"), "utf8")) as object;
    const { all, nodes } = schemaConstraints(schema);
    expect(all).toContain("#/definitions/Downstream/properties/requires/items/maxProperties");
    const validate = verboseValidator(schema);
    const broken = new Set<string>();
    for (const c of tableCases) {
      const table = realTable();
      for (const m of c.mutations) applyMutation(table, m);
      expect(validate(table), c.title).toBe(false);
      brokenConstraints(validate.errors ?? [], nodes, broken);
    }
    expect([...all].filter((c) => !broken.has(c))).toEqual([]);
  });
});

describe("findConnector", () => {
  const connectors = loadConnectors();

  it("finds a connector by id", () => {
    expect(findConnector(connectors, "segment").id).toBe("segment");
  });

  it("suggests the closest id for a misspelt one", () => {
    let thrown: unknown;
    try {
      findConnector(connectors, "mparticel");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnknownConnectorError);
    const error = thrown as UnknownConnectorError;
    expect(error.kind).toBe("connector");
    expect(error.name).toBe("mparticel");
    expect(error.suggestion).toBe("mparticle");
    expect(error.known).toEqual(["amplitude", "braze", "mparticle", "segment"]);
    expect(error.message).toBe("Unknown connector `mparticel`. Did you mean `mparticle`? Known: amplitude, braze, mparticle, segment.");
  });

  it("suggests nothing for an id close to none", () => {
    expect(() => findConnector(connectors, "hubspot")).toThrow(UnknownConnectorError);
    try {
      findConnector(connectors, "hubspot");
    } catch (e) {
      expect((e as UnknownConnectorError).suggestion).toBeUndefined();
      expect((e as UnknownConnectorError).message).not.toContain("Did you mean");
    }
  });
});
