// What only an emulator needs to know about a destination's API sits beside the manifest, in
// `emulator.json`, and not in the manifest: the engine never reads it (it checks records before
// sending and sends batches only). The schema's defaults stand in for a missing file or key.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";

/** `connectors/<id>/emulator.json` with its defaults applied (packages/emulators/schemas/emulator.schema.json). */
export interface EmulatorFacts {
  /** The API's one-record endpoints (body = one record), with the fields each implies. */
  readonly singleRecordPaths: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Refuse the whole request for one record that breaks the wire schema, or take the rest and drop it. */
  readonly invalidRecord: "rejects-request" | "accepted-then-dropped";
  /** Error answers as `{code, <errorKey>: message}` rather than an errors list. */
  readonly errorKey?: string;
}

export const EMULATOR_FILE = "emulator.json";

// From dist/ and src/ alike: the package's schemas folder.
const schemaFile = new URL("../schemas/emulator.schema.json", import.meta.url);

/** An emulator file that is not JSON or breaks its schema; each problem names its JSON pointer. */
export class EmulatorFileError extends Error {
  override name = "EmulatorFileError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid emulator file:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const problemOf = (e: ErrorObject): string => {
  const allowed = e.keyword === "enum" ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}` : "";
  const key = e.keyword === "additionalProperties" ? ` \`${(e.params as { additionalProperty: string }).additionalProperty}\`` : "";
  return `at ${e.instancePath || "/"}: ${e.message}${key}${allowed}`;
};

/** Reads the emulator file of a connector folder; the schema is compiled once per reader. */
export function emulatorFileReader(): (connectorFolder: string) => EmulatorFacts {
  const validate = new Ajv({ allErrors: true, useDefaults: true }).compile<EmulatorFacts>(JSON.parse(readFileSync(schemaFile, "utf8")));
  return (connectorFolder) => {
    const file = join(connectorFolder, EMULATOR_FILE);
    let facts: unknown = {};
    if (existsSync(file)) {
      try {
        facts = JSON.parse(readFileSync(file, "utf8"));
      } catch (error) {
        throw new EmulatorFileError(file, [(error as Error).message]);
      }
    }
    if (!validate(facts)) throw new EmulatorFileError(file, (validate.errors ?? []).map(problemOf));
    return facts;
  };
}
