import { createRequire } from "node:module";
import type { Ajv, CodeOptions, FormatDefinition, ValidateFunction, ErrorObject } from "ajv";

// ajv and its plugins (CommonJS, about 100 files) are required when an Ajv is first made, not when
// the manifest loader is imported: tagwire's own schemas run as generated code, and a command that
// never compiles a wire schema (see LoadOptions in load.ts) never needs them.
const require = createRequire(import.meta.url);

// Both plugins ship CommonJS default exports; the callable may sit on `.default`.
type Plugin = (ajv: Ajv) => Ajv;
const plugin = (module: unknown): Plugin => ((module as { default?: Plugin }).default ?? module) as Plugin;
const newAjv = (options: ConstructorParameters<typeof Ajv>[0]): Ajv => new (require("ajv") as typeof import("ajv")).Ajv(options);
const addFormats = (ajv: Ajv) => plugin(require("ajv-formats"))(ajv);
const addErrors = (ajv: Ajv) => plugin(require("ajv-errors"))(ajv);

/**
 * Ajv for tagwire's own schemas: strict, all errors, human messages, `tsType` known to strict mode,
 * and `discriminator`, so a tagged union (`oneOf` by `scheme`) reports only the chosen variant's errors.
 * scripts/generate-validators.mjs compiles them with it, with `code` set, into standalone code.
 */
export function createSchemaAjv(code?: CodeOptions): Ajv {
  // strictRequired is off: if/then branches name keys declared by the parent schema.
  const ajv = newAjv({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true, useDefaults: false, discriminator: true, ...(code !== undefined ? { code } : {}) });
  addFormats(ajv);
  addErrors(ajv);
  ajv.addKeyword({ keyword: "tsType", schemaType: "string" });
  return ajv;
}

/**
 * Requires what createWireAjv needs now, for a process that is sure to compile a wire schema soon
 * and has time to spare before (a worker thread while it starts).
 */
export function preloadWireAjv(): void {
  require("ajv");
  require("ajv-formats");
}

/** Ajv for destination wire schemas, which mirror the APIs' own schemas: not strict, never injects defaults. */
export function createWireAjv(): Ajv {
  const ajv = newAjv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  rememberLastAnswer(ajv, "date-time");
  return ajv;
}

/**
 * Makes the `name` format's check answer a repeat of the string it checked last without checking
 * it again. Every record of a run carries the run's send time (a run fill, one string): its
 * `date-time` check took 4% of a worker's time on a million records (docs/performance.md).
 */
function rememberLastAnswer(ajv: Ajv, name: string): void {
  const format = ajv.formats[name];
  if (typeof format !== "object" || format instanceof RegExp || format.async === true || format.type === "number" || typeof format.validate !== "function") return;
  const { validate: check, compare } = format as FormatDefinition<string> & { validate: (value: string) => boolean };
  let last: string | undefined;
  let answer = false;
  const validate = (value: string): boolean => {
    if (value !== last) {
      answer = check(value);
      last = value;
    }
    return answer;
  };
  ajv.addFormat(name, { type: "string", validate, ...(compare !== undefined ? { compare } : {}) });
}

export type { ValidateFunction, ErrorObject };
