import type { ErrorObject } from "ajv";

/**
 * Turns ajv's errors for one record into short `path: message` lines, worded the same wherever a
 * record is checked (before sending, and by the emulators).
 * Drops the `if` keyword's own error (the `then` branch's errors say what is wrong) and folds an
 * `anyOf` whose branches all failed on `required` into one "must have one of the properties" line.
 */
export function describeRecordErrors(errors: ReadonlyArray<ErrorObject> | null | undefined): string[] {
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
  const folded = [...requiredAnyOf.keys()].map((p) => `${p}/`);
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword === "if") continue;
    if (folded.some((p) => error.schemaPath.startsWith(p))) continue;
    const where = error.instancePath === "" ? "/" : error.instancePath;
    const oneOf = requiredAnyOf.get(error.schemaPath);
    lines.push(`${where}: ${oneOf ? `must have one of the properties ${oneOf.map((p) => `'${p}'`).join(", ")}` : messageOf(error)}`);
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
