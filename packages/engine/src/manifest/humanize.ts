import type { ErrorObject } from "ajv";
import type { ManifestProblem } from "../errors.js";

/** Turns one ajv error into a sentence a manifest author can act on. */
export function humanize(error: ErrorObject): ManifestProblem {
  const p = error.params as Record<string, unknown>;
  const tag = discriminatorTag(error);
  // A union's tag that names no variant is a problem of the tag key, with the union's own message.
  if (tag !== undefined) return { path: `${error.instancePath}/${tag}`, rule: "enum", message: error.keyword === "errorMessage" ? (error.message ?? "") : "names no variant" };
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
    case "minLength":
      message = p["limit"] === 1 ? "must not be empty" : `must be at least ${String(p["limit"])} characters long`;
      break;
    case "minItems":
      message = p["limit"] === 1 ? "must list at least one item" : `must list at least ${String(p["limit"])} items`;
      break;
    case "uniqueItems":
      message = `lists the same item twice (items ${Math.min(Number(p["i"]), Number(p["j"]))} and ${Math.max(Number(p["i"]), Number(p["j"]))})`;
      break;
    case "minProperties":
      message = p["limit"] === 1 ? "must have at least one key" : `must have at least ${String(p["limit"])} keys`;
      break;
    case "maxProperties":
      message = `must have at most ${String(p["limit"])} keys`;
      break;
    case "minimum":
      message = `must be at least ${String(p["limit"])}`;
      break;
    case "maximum":
      message = `must be at most ${String(p["limit"])}`;
      break;
    case "exclusiveMinimum":
      message = `must be greater than ${String(p["limit"])}`;
      break;
    case "format":
      message = p["format"] === "uri" ? "must be an absolute URL such as `https://example.com/docs`" : `must be a valid ${String(p["format"])}`;
      break;
    case "pattern":
      message = `must match the pattern ${String(p["pattern"])}`;
      break;
    case "dependencies":
      message = `has \`${String(p["property"])}\`, so it also needs \`${String(p["missingProperty"])}\``;
      break;
  }
  return { path: error.instancePath, rule, message };
}

/** The tag key of a union (`discriminator`) error, as is or under its `errorMessage`. */
function discriminatorTag(error: ErrorObject): string | undefined {
  const e = error.keyword === "errorMessage" ? (error.params["errors"] as ErrorObject[] | undefined)?.[0] : error;
  return e?.keyword === "discriminator" ? String(e.params["tag"]) : undefined;
}

/** A union whose tag key is missing: ajv reports it twice, and `required` says it already. */
function isMissingTag(error: ErrorObject): boolean {
  const e = error.keyword === "errorMessage" ? (error.params["errors"] as ErrorObject[] | undefined)?.[0] : error;
  return e?.keyword === "discriminator" && e.params["error"] === "tag" && e.params["tagValue"] === undefined;
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

/**
 * ajv reports an `if` failure next to the real error from `then`; the real one is enough.
 * A value of the wrong type is reported once: the first type error names every type allowed
 * there, later ones (from `if`/`else` branches) only a branch's.
 */
export function humanizeAll(errors: ReadonlyArray<ErrorObject> | null | undefined): ManifestProblem[] {
  const seen = new Set<string>();
  const out: ManifestProblem[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === "if" || isMissingTag(e)) continue;
    const problem = humanize(e);
    const key = problem.rule === "type" ? `${problem.path}|type` : `${problem.path}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}
