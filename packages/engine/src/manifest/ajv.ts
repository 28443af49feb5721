import { Ajv, type CodeOptions, type ValidateFunction, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";
import addErrorsModule from "ajv-errors";

// Both plugins ship CommonJS default exports; under NodeNext the callable sits on `.default`.
type Plugin = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: Plugin }).default ?? addFormatsModule) as unknown as Plugin;
const addErrors = ((addErrorsModule as unknown as { default?: Plugin }).default ?? addErrorsModule) as unknown as Plugin;

/**
 * Ajv for tagwire's own schemas: strict, all errors, human messages, `tsType` known to strict mode,
 * and `discriminator`, so a tagged union (`oneOf` by `scheme`) reports only the chosen variant's errors.
 * scripts/generate-validators.mjs compiles them with it, with `code` set, into standalone code.
 */
export function createSchemaAjv(code?: CodeOptions): Ajv {
  // strictRequired is off: if/then branches name keys declared by the parent schema.
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true, useDefaults: false, discriminator: true, ...(code !== undefined ? { code } : {}) });
  addFormats(ajv);
  addErrors(ajv);
  ajv.addKeyword({ keyword: "tsType", schemaType: "string" });
  return ajv;
}

/** Ajv for destination wire schemas, which mirror the APIs' own schemas: not strict, never injects defaults. */
export function createWireAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

export type { ValidateFunction, ErrorObject };
