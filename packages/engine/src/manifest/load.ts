import { readFileSync, readdirSync, existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve, extname } from "node:path";
import type { ValidateFunction } from "ajv";
import type { ConnectorManifest } from "../generated/manifest.js";
import type { DownstreamTable } from "../generated/downstream-table.js";
import { ManifestError, UnknownConnectorError, type ManifestProblem } from "../errors.js";
import { connectorsDir, repoRoot } from "../paths.js";
import { createWireAjv } from "./ajv.js";
import * as generated from "../generated/schema-validators.js";
import { humanizeAll } from "./humanize.js";
import { describeRecordErrors } from "./record-errors.js";
import { crossCheck, crossCheckDownstreams } from "./cross-checks.js";
import type { Connector, RecordValidator } from "./connector.js";
import { closest } from "../plan/did-you-mean.js";

// tagwire's own schemas, compiled at build time (scripts/generate-validators.mjs): no ajv compile at start.
const validators = { manifest: generated.manifest as ValidateFunction, downstreams: generated.downstreams as ValidateFunction };

const display = (file: string) => relative(process.cwd(), file) || file;

function fail(file: string, problems: ManifestProblem[]): never {
  throw new ManifestError({ file: display(file), problems });
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    fail(file, [{ path: "", rule: "readable", message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` }]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(file, [{ path: "", rule: "json", message: `is not valid JSON: ${(e as Error).message}` }]);
  }
}

/** How a connector is loaded. */
export interface LoadOptions {
  /**
   * When the wire schema is compiled: `at-load` (the default; a schema that does not compile fails the
   * load) or `first-use`, for commands that never check a record, such as listing or planning, where
   * compiling the schemas would be most of the load. The file must exist either way.
   */
  readonly recordSchemas?: "at-load" | "first-use";
  /** Where compiled wire schemas are kept; connectors loaded with the same one compile a schema once. */
  readonly wireSchemas?: WireSchemas;
}

/**
 * Wire schemas compiled into record validators, each schema file once, by one Ajv created with the
 * first schema (a worker thread that does not check records never needs it). `loadConnectors`
 * makes one for the connectors it loads; a caller loading connectors one by one may pass its own.
 */
export class WireSchemas {
  private ajv: ReturnType<typeof createWireAjv> | undefined;
  private readonly validators = new Map<string, ValidateFunction>();

  /** The wire schema's validator for records; a schema that does not compile is the manifest's problem. */
  recordValidator(schemaFile: string, manifestFile: string): RecordValidator {
    let validate = this.validators.get(schemaFile);
    if (validate === undefined) {
      mustExist(schemaFile, manifestFile, "/wire/recordSchema");
      const schema = readJson(schemaFile) as { $id?: string };
      try {
        // The same schema may already be registered by $id from another manifest path.
        const ajv = (this.ajv ??= createWireAjv());
        const existing = schema.$id !== undefined ? ajv.getSchema(schema.$id) : undefined;
        validate = existing ?? ajv.compile(schema);
      } catch (e) {
        fail(manifestFile, [{ path: "/wire/recordSchema", rule: "schema-compiles", message: `${relative(repoRoot, schemaFile)} does not compile: ${(e as Error).message}` }]);
      }
      this.validators.set(schemaFile, validate);
    }
    const v = validate;
    return (record) => {
      if (v(record)) return undefined;
      const lines = describeRecordErrors(v.errors);
      return lines.length > 0 ? lines : ["/: is invalid"];
    };
  }
}

/** Validates a manifest object; `file` only names it in errors and anchors its relative paths. */
export function validateManifest(json: unknown, file: string, options: LoadOptions = {}): Connector {
  const { manifest: validate, downstreams: validateTable } = validators;
  if (!validate(json)) fail(file, humanizeAll(validate.errors));
  const manifest = json as ConnectorManifest;
  const dir = dirname(resolve(file));
  if (basename(file) === "manifest.json" && basename(dir) !== manifest.id && dirname(dir) === resolve(connectorsDir)) {
    fail(file, [{ path: "/id", rule: "id-is-folder", message: `is \`${manifest.id}\` but the folder is \`${basename(dir)}\`` }]);
  }

  const problems = crossCheck(manifest);
  if (problems.length > 0) fail(file, problems);

  let table: DownstreamTable | undefined;
  if (manifest.downstreams !== undefined) {
    const tableFile = join(dir, manifest.downstreams.file);
    mustExist(tableFile, file, "/downstreams/file");
    const tableJson = readJson(tableFile);
    if (!validateTable(tableJson)) fail(tableFile, humanizeAll(validateTable.errors));
    table = tableJson as DownstreamTable;
    const tableProblems = crossCheckDownstreams(manifest, table);
    if (tableProblems.length > 0) fail(tableFile, tableProblems);
  }

  return {
    id: manifest.id,
    manifest,
    file: resolve(file),
    dir,
    downstreams: table?.rows ?? [],
    ...(manifest.icon !== undefined ? { iconDataUri: iconDataUri(join(dir, manifest.icon), file) } : {}),
    validateRecord: validatorOf(join(dir, manifest.wire.recordSchema), file, options),
  };
}

export function loadConnectorFile(file: string, options: LoadOptions = {}): Connector {
  return validateManifest(readJson(file), file, options);
}

/** Loads every `connectors/<id>/manifest.json`; ids and Looker action names must be unique across them. */
export function loadConnectors(dir: string = connectorsDir, given: LoadOptions = {}): Connector[] {
  const options: LoadOptions = { ...given, wireSchemas: given.wireSchemas ?? new WireSchemas() };
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "manifest.json")))
    .map((d) => d.name)
    .sort();
  const connectors = folders.map((name) => {
    const c = loadConnectorFile(join(dir, name, "manifest.json"), options);
    // validateManifest checks this only inside the repository's connectors folder.
    if (c.id !== name) fail(c.file, [{ path: "/id", rule: "id-is-folder", message: `is \`${c.id}\` but the folder is \`${name}\`` }]);
    return c;
  });
  const actions = new Map<string, string>();
  for (const c of connectors) {
    for (const [i, a] of c.manifest.actions.entries()) {
      const owner = actions.get(a.name);
      if (owner !== undefined) {
        fail(c.file, [{ path: `/actions/${i}/name`, rule: "unique-action", message: `action \`${a.name}\` is also declared by connector \`${owner}\`` }]);
      }
      actions.set(a.name, c.id);
    }
  }
  return connectors;
}

export function findConnector(connectors: ReadonlyArray<Connector>, id: string): Connector {
  const found = connectors.find((c) => c.id === id);
  if (found !== undefined) return found;
  const known = connectors.map((c) => c.id);
  const suggestion = closest(id, known);
  throw new UnknownConnectorError({ kind: "connector", name: id, known, ...(suggestion ? { suggestion } : {}) });
}

/** A file the manifest names must exist; its absence is the manifest's problem, at the key naming it. */
function mustExist(path: string, manifestFile: string, pointer: string): void {
  if (!existsSync(path)) fail(manifestFile, [{ path: pointer, rule: "file-exists", message: `names ${display(path)}, which does not exist` }]);
}

function iconDataUri(path: string, manifestFile: string): string {
  mustExist(path, manifestFile, "/icon");
  const mime = extname(path) === ".svg" ? "image/svg+xml" : "image/png";
  return `data:${mime};base64,${readFileSync(path).toString("base64")}`;
}

/** The wire schema's validator, compiled now or, with `recordSchemas: "first-use"`, when the first record is checked. */
function validatorOf(schemaFile: string, manifestFile: string, options: LoadOptions): RecordValidator {
  const schemas = options.wireSchemas ?? new WireSchemas();
  if (options.recordSchemas !== "first-use") return schemas.recordValidator(schemaFile, manifestFile);
  mustExist(schemaFile, manifestFile, "/wire/recordSchema");
  let compiled: RecordValidator | undefined;
  return (record) => (compiled ??= schemas.recordValidator(schemaFile, manifestFile))(record);
}
