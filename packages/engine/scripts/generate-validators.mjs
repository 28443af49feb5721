#!/usr/bin/env node
// Generates the validators of tagwire's own schemas (connector manifest, downstream table) as ajv's
// standalone code, so that loading a manifest runs compiled checks instead of compiling the schemas
// with ajv at every start (about 0.3 s of CPU). The Ajv instance is the engine's own
// (`createSchemaAjv` in src/manifest/ajv.ts, read from dist/), so options and plugins are defined once;
// that is why the build checks this file after `tsc`. `--check` fails (exit 1) when the committed
// file is stale.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import standaloneModule from "ajv/dist/standalone/index.js";

const standaloneCode = standaloneModule.default ?? standaloneModule;
const engineDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoDir = join(engineDir, "..", "..");
const ajvModule = join(engineDir, "dist/manifest/ajv.js");
const out = join(engineDir, "src/generated/schema-validators.ts");
const schemas = { manifest: "schemas/connector-manifest.schema.json", downstreams: "schemas/downstream-table.schema.json" };

if (!existsSync(ajvModule)) {
  console.error(`${relative(repoDir, ajvModule)} is missing: build the engine first (\`npm run build\`).`);
  process.exit(1);
}
const { createSchemaAjv } = await import(pathToFileURL(ajvModule).href);
const ajv = createSchemaAjv({ source: true, esm: true });
const refs = {};
for (const [name, file] of Object.entries(schemas)) {
  const schema = JSON.parse(await readFile(join(repoDir, file), "utf8"));
  ajv.addSchema(schema);
  refs[name] = schema.$id;
}
const banner = [
  "/* GENERATED FILE: do not edit by hand.",
  ` * Source: ${Object.values(schemas).join(", ")} (ajv standalone code)`,
  " * Regenerate with `npm run generate` at the repository root. */",
  "// @ts-nocheck",
  // ajv's ES module output still requires its runtime helpers (formats, deep equality, string length).
  'import { createRequire } from "node:module";',
  "const require = createRequire(import.meta.url);",
].join("\n");
const code = `${banner}\n${standaloneCode(ajv, refs)}\n`;

const current = await readFile(out, "utf8").catch(() => "");
if (current !== code) {
  if (process.argv.includes("--check")) {
    console.error(`Generated validators are stale: ${relative(repoDir, out)}. Run \`npm run generate\` and commit the result.`);
    process.exit(1);
  }
  await writeFile(out, code);
  console.log(`wrote ${relative(repoDir, out)}`);
}
