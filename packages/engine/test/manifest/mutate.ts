import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { ErrorObject } from "ajv";
import { ManifestError, type ManifestProblem } from "../../src/errors.js";
import { connectorsDir, schemasDir } from "../../src/paths.js";
import { createSchemaAjv } from "../../src/manifest/ajv.js";

export type ConnectorId = "mparticle" | "segment" | "braze" | "amplitude";
type Json = unknown;

/** One change to a manifest: set (or, for `-`, append) the value at a JSON pointer, or delete it. */
export type Mutation = { readonly at: string; readonly set: Json } | { readonly at: string; readonly del: true };

export const set = (at: string, value: Json): Mutation => ({ at, set: value });
export const del = (at: string): Mutation => ({ at, del: true });

/** The manifest file inside the real connector folder, so `icon`, `wire.recordSchema` and `downstreams.file` resolve. */
export const realFile = (id: ConnectorId): string => join(connectorsDir, id, "manifest.json");

/** A fresh deep copy of a real manifest. */
export function manifest(id: ConnectorId): Record<string, Json> {
  return JSON.parse(readFileSync(realFile(id), "utf8")) as Record<string, Json>;
}

function decode(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

export function applyMutation(root: Json, m: Mutation): void {
  const tokens = m.at.split("/").slice(1).map(decode);
  const last = tokens.pop();
  if (last === undefined) throw new Error(`cannot mutate the document root (${m.at})`);
  let node = root;
  for (const t of tokens) {
    if (node === null || typeof node !== "object" || !(t in node)) throw new Error(`no value at ${m.at} (stopped at \`${t}\`)`);
    node = (node as Record<string, Json>)[t];
  }
  if (node === null || typeof node !== "object") throw new Error(`no container at ${m.at}`);
  if ("del" in m) {
    if (!(last in node)) throw new Error(`nothing to delete at ${m.at}`);
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete (node as Record<string, Json>)[last];
  } else if (Array.isArray(node) && last === "-") {
    node.push(m.set);
  } else {
    (node as Record<string, Json>)[last] = m.set;
  }
}

/** A deep copy of the real manifest with the mutations applied, in order. */
export function mutated(id: ConnectorId, ...mutations: Mutation[]): Record<string, Json> {
  const json = manifest(id);
  for (const m of mutations) applyMutation(json, m);
  return json;
}

/** Runs `fn`, which must throw a ManifestError, and returns it. */
export function manifestError(fn: () => unknown): ManifestError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, "expected a ManifestError to be thrown").toBeInstanceOf(ManifestError);
  return thrown as ManifestError;
}

/** The expected problem: exact path and rule, message containing the given plain words. */
export interface Expected {
  readonly path: string;
  readonly rule: string;
  readonly words: string;
}

/** Raw ajv sentences a manifest author could not act on. */
export const RAW_AJV = /must NOT|must match (pattern|format)|must have property|must pass "\w+" keyword|must match "(then|else)" schema/;

/** A failing example for a downstream table file: its mutations and the problem they must cause. */
export interface TableCase extends Expected {
  readonly title: string;
  readonly mutations: ReadonlyArray<Mutation>;
}

/** A failing example for a manifest: mutations of the real one of `id`. */
export interface Case extends TableCase {
  readonly id: ConnectorId;
}

/** A list of failing manifest examples and `bad`, which adds one (mParticle's manifest unless `id` is given). */
export function caseList(): {
  cases: Case[];
  bad: (title: string, mutations: Mutation | Mutation[], path: string, rule: string, words: string, id?: ConnectorId) => void;
} {
  const cases: Case[] = [];
  return {
    cases,
    bad: (title, mutations, path, rule, words, id = "mparticle") => {
      cases.push({ title, id, mutations: Array.isArray(mutations) ? mutations : [mutations], path, rule, words });
    },
  };
}

export function expectProblem(problems: ReadonlyArray<ManifestProblem>, expected: Expected): void {
  expect(problems).toContainEqual({ path: expected.path, rule: expected.rule, message: expect.stringContaining(expected.words) });
}

/**
 * A scratch copy of the repository layout (`connectors/<id>` and `schemas/wire`), so manifests
 * keep resolving `../../schemas/wire/...` while their files are edited or removed.
 */
export interface TempRepo {
  readonly root: string;
  readonly connectors: string;
  dir(id: string): string;
  file(id: string, name?: string): string;
  readJson(id: string, name?: string): Record<string, Json>;
  writeJson(id: string, value: Json, name?: string): void;
  remove(): void;
}

export function tempRepo(ids: ReadonlyArray<ConnectorId> = ["mparticle", "segment"]): TempRepo {
  const root = mkdtempSync(join(tmpdir(), "tagwire-manifest-"));
  const connectors = join(root, "connectors");
  for (const id of ids) cpSync(join(connectorsDir, id), join(connectors, id), { recursive: true });
  cpSync(join(schemasDir, "wire"), join(root, "schemas", "wire"), { recursive: true });
  const file = (id: string, name = "manifest.json") => join(connectors, id, name);
  return {
    root,
    connectors,
    dir: (id) => join(connectors, id),
    file,
    readJson: (id, name) => JSON.parse(readFileSync(file(id, name), "utf8")) as Record<string, Json>,
    writeJson: (id, value, name) => writeFileSync(file(id, name), JSON.stringify(value, null, 2)),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

// Coverage of a JSON Schema: its constraints, and the constraints a validation's errors break.

type SchemaNode = Record<string, unknown>;
const CONSTRAINTS = new Set([
  "pattern", "enum", "const", "minItems", "uniqueItems", "minLength", "minimum", "maximum", "exclusiveMinimum",
  "minProperties", "maxProperties", "format", "dependencies", "not", "discriminator",
]);

/**
 * `<schema path>/<keyword>` of every constraint, and `<schema path>/required/<key>` of every
 * required key; `nodes` maps each schema object to its path.
 */
function constraintsOf(node: unknown, at: string, out: Set<string>, nodes: Map<object, string>): void {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return;
  const s = node as SchemaNode;
  nodes.set(s, at);
  for (const [k, v] of Object.entries(s)) {
    if (CONSTRAINTS.has(k)) out.add(`${at}/${k}`);
    if (k === "required") for (const key of v as string[]) out.add(`${at}/required/${key}`);
    if (k === "additionalProperties" && v === false) out.add(`${at}/additionalProperties`);
  }
  for (const group of ["properties", "definitions"]) {
    for (const [k, v] of Object.entries((s[group] as SchemaNode | undefined) ?? {})) constraintsOf(v, `${at}/${group}/${k}`, out, nodes);
  }
  for (const k of ["items", "additionalProperties", "then", "else", "not"]) constraintsOf(s[k], `${at}/${k}`, out, nodes);
}

/** The constraints these errors break. ajv names a `$ref`'d schema's errors relative to it, so errors are traced by their schema object. */
export function brokenConstraints(errors: ReadonlyArray<ErrorObject>, nodes: Map<object, string>, out: Set<string>): void {
  for (const e of errors) {
    if (e.keyword === "errorMessage") {
      brokenConstraints(e.params["errors"] as ErrorObject[], nodes, out);
      continue;
    }
    const at = nodes.get(e.parentSchema as object);
    expect(at, `schema of ${e.schemaPath}`).toBeDefined();
    out.add(e.keyword === "required" ? `${at}/required/${String(e.params["missingProperty"])}` : `${at}/${e.keyword}`);
  }
}

export function schemaConstraints(schema: object): { all: Set<string>; nodes: Map<object, string> } {
  const all = new Set<string>();
  const nodes = new Map<object, string>();
  constraintsOf(schema, "#", all, nodes);
  for (const c of unionTags(schema)) all.delete(c);
  return { all, nodes };
}

/**
 * A union's tag (`discriminator`) picks the variant whose `const` it equals, so the variant's tag
 * constraints cannot fail; a tag naming no variant breaks the union's `discriminator` instead.
 */
function unionTags(schema: object): string[] {
  const definitions = ((schema as SchemaNode)["definitions"] ?? {}) as Record<string, SchemaNode>;
  return Object.values(definitions).flatMap((d) => {
    const tag = (d["discriminator"] as { propertyName: string } | undefined)?.propertyName;
    if (tag === undefined) return [];
    return (d["oneOf"] as Array<{ $ref: string }>).flatMap(({ $ref }) => [`${$ref}/properties/${tag}/const`, `${$ref}/required/${tag}`]);
  });
}

/** A validator for one of tagwire's schemas whose errors carry their schema object. */
export function verboseValidator(schema: object) {
  const ajv = createSchemaAjv();
  ajv.opts.verbose = true;
  return ajv.compile(schema);
}
