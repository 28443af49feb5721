import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: under NodeNext the default import is `module.exports`,
// which carries the plugin both as itself and as `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** An ajv instance for wire schemas: draft-07, every error reported, formats checked. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

/**
 * Turns ajv errors into short `path: message` lines.
 * Drops the `if` keyword's own error (the `then` branch's errors say what is wrong) and
 * folds an `anyOf` whose branches all failed on `required` into one "must have one of" line.
 */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  if (!errors || errors.length === 0) return [];
  const requiredAnyOf = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword !== "anyOf") continue;
    const prefix = `${error.schemaPath}/`;
    const branches = errors.filter((e) => e.schemaPath.startsWith(prefix));
    if (branches.length > 0 && branches.every((e) => e.keyword === "required")) {
      requiredAnyOf.set(
        error.schemaPath,
        branches.map((e) => String((e.params as { missingProperty?: unknown }).missingProperty)),
      );
    }
  }
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword === "if") continue;
    if ([...requiredAnyOf.keys()].some((p) => error.schemaPath.startsWith(`${p}/`))) continue;
    const where = error.instancePath === "" ? "/" : error.instancePath;
    const folded = requiredAnyOf.get(error.schemaPath);
    lines.push(`${where}: ${folded ? `must have one of the properties ${folded.map((p) => `'${p}'`).join(", ")}` : messageOf(error)}`);
  }
  return lines;
}

function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties") {
    return `must NOT have additional property '${String(params["additionalProperty"])}'`;
  }
  if (error.keyword === "enum" && Array.isArray(params["allowedValues"])) {
    return `${error.message ?? "must be one of the allowed values"}: ${params["allowedValues"].map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return error.message ?? error.keyword;
}
