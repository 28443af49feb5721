#!/usr/bin/env node
// Generates TypeScript types from the JSON Schemas in /schemas: the schemas are the single
// source of truth. `--check` fails (exit 1) when the committed files are stale, so a build
// cannot run against types that no longer match the schemas.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const engineDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoDir = join(engineDir, "..", "..");
const targets = [
  { schema: "schemas/connector-manifest.schema.json", out: "src/generated/manifest.ts" },
  { schema: "schemas/downstream-table.schema.json", out: "src/generated/downstream-table.ts" },
];

const check = process.argv.includes("--check");
let stale = [];
for (const { schema, out } of targets) {
  const json = JSON.parse(await readFile(join(repoDir, schema), "utf8"));
  const banner = `/* GENERATED FILE: do not edit by hand.\n * Source: ${schema}\n * Regenerate with \`npm run generate\` at the repository root. */`;
  const ts = await compile(json, json.title, {
    bannerComment: banner,
    unreachableDefinitions: true,
    additionalProperties: false,
    format: true,
    style: { singleQuote: false, semi: true, printWidth: 110 },
    cwd: join(repoDir, "schemas"),
  });
  const outPath = join(engineDir, out);
  const current = await readFile(outPath, "utf8").catch(() => "");
  if (current === ts) continue;
  if (check) {
    stale.push(relative(repoDir, outPath));
  } else {
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, ts);
    console.log(`wrote ${relative(repoDir, outPath)}`);
  }
}
if (stale.length > 0) {
  console.error(`Generated types are stale: ${stale.join(", ")}. Run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
