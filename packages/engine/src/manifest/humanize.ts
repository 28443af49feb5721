import type { ErrorObject } from "ajv";
import type { ManifestProblem } from "../errors.js";

/** Turns one ajv error into a sentence a manifest author can act on. */
export function humanize(error: ErrorObject): ManifestProblem {
  const p = error.params as Record<string, unknown>;
  const rule = error.keyword === "errorMessage" ? originalKeyword(p) : error.keyword;
  let message = error.message ?? "is invalid";
  switch (error.keyword) {
    case "required":
      message = `missing required key \`${String(p["missingProperty"])}\``;
      break;
    case "additionalProperties":
      message = `unknown key \`${String(p["additionalProperty"])}\``;
      break;
    case "enum":
      message = `must be one of ${(p["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
      break;
    case "const":
      message = `must be ${JSON.stringify(p["allowedValue"])}`;
      break;
    case "type":
      message = `must be ${article(String(p["type"]))}`;
      break;
  }
  return { path: error.instancePath, rule, message };
}

function originalKeyword(params: Record<string, unknown>): string {
  const errors = params["errors"] as ErrorObject[] | undefined;
  return errors?.[0]?.keyword ?? "errorMessage";
}

function article(type: string): string {
  return type
    .split(",")
    .map((t) => (t === "integer" || t === "object" || t === "array" ? `an ${t}` : `a ${t}`))
    .join(" or ");
}

/** ajv reports an `if` failure next to the real error from `then`; the real one is enough. */
export function humanizeAll(errors: ReadonlyArray<ErrorObject> | null | undefined): ManifestProblem[] {
  const seen = new Set<string>();
  const out: ManifestProblem[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === "if") continue;
    const problem = humanize(e);
    const key = `${problem.path}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}
