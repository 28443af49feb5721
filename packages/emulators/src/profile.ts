import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import { createAjv } from "./ajv.js";

/** The `wire` section of a connector manifest (schemas/connector-manifest.schema.json#/definitions/Wire). */
export interface WireSection {
  recordSchema: string;
  path: string;
  singleRecordPaths?: Record<string, Record<string, string>>;
  auth: { scheme: "basic"; username: string; password?: string };
  envelope: { kind: "array" } | { kind: "object"; itemsKey: string; sentAtField?: string };
  limits: { maxRecordsPerRequest: number; maxRequestBytes: number; maxRecordBytes: number };
  dedupField: string;
  invalidRecord?: "rejects-request" | "accepted-then-dropped";
}

/** What an emulator needs to know about one connector. */
export interface WireProfile {
  id: string;
  label: string;
  manifestPath: string;
  wire: WireSection & { invalidRecord: "rejects-request" | "accepted-then-dropped" };
  /** Validates one record against `wire.recordSchema`; errors are left on `validate.errors`. */
  validate: ValidateFunction;
}

// src/ and dist/ both sit two levels below the repository root (packages/emulators/<dir>).
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The folder holding `<id>/manifest.json` for every connector of this repository. */
export const defaultConnectorsDir = join(repoRoot, "connectors");

/** Ids of the connectors in `dir`: every sub-folder with a manifest.json, sorted. */
export function listConnectorIds(dir: string = defaultConnectorsDir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "manifest.json")))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Reads a connector manifest and compiles its wire record schema.
 * Only the fields the emulator uses are checked here; the engine's loader validates the whole manifest.
 */
export function loadWireProfile(manifestPath: string): WireProfile {
  const absolute = resolve(manifestPath);
  const manifest = JSON.parse(readFileSync(absolute, "utf8")) as {
    id?: unknown;
    label?: unknown;
    wire?: WireSection;
  };
  const where = `connector manifest ${absolute}`;
  if (typeof manifest.id !== "string") throw new Error(`${where}: missing "id"`);
  const wire = manifest.wire;
  if (!wire || typeof wire !== "object") throw new Error(`${where}: missing "wire"`);
  for (const key of ["recordSchema", "path", "dedupField"] as const) {
    if (typeof wire[key] !== "string") throw new Error(`${where}: wire.${key} must be a string`);
  }
  if (!wire.auth || wire.auth.scheme !== "basic" || typeof wire.auth.username !== "string") {
    throw new Error(`${where}: wire.auth must be basic auth naming a username setting`);
  }
  if (!wire.envelope || (wire.envelope.kind !== "array" && wire.envelope.kind !== "object")) {
    throw new Error(`${where}: wire.envelope.kind must be "array" or "object"`);
  }
  if (wire.envelope.kind === "object" && typeof wire.envelope.itemsKey !== "string") {
    throw new Error(`${where}: an object envelope needs wire.envelope.itemsKey`);
  }
  const limits = wire.limits;
  if (
    !limits ||
    !Number.isInteger(limits.maxRecordsPerRequest) ||
    !Number.isInteger(limits.maxRequestBytes) ||
    !Number.isInteger(limits.maxRecordBytes)
  ) {
    throw new Error(`${where}: wire.limits needs integer maxRecordsPerRequest, maxRequestBytes, maxRecordBytes`);
  }

  const schemaPath = resolve(dirname(absolute), wire.recordSchema);
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as object;
  const validate = createAjv().compile(schema);

  return {
    id: manifest.id,
    label: typeof manifest.label === "string" ? manifest.label : manifest.id,
    manifestPath: absolute,
    wire: { ...wire, singleRecordPaths: wire.singleRecordPaths ?? {}, invalidRecord: wire.invalidRecord ?? "rejects-request" },
    validate,
  };
}
