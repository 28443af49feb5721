// What the docs generators share: where the repository is, its connector manifests, and writing a
// generated page (or, with `--check`, failing when the committed one is stale).
import { readFile, writeFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Each `connectors/<id>` folder holding a manifest.json, by id, with the parsed manifest. */
export async function readManifests() {
  const found = [];
  for (const id of (await readdir(join(repoDir, "connectors"))).sort()) {
    const dir = join(repoDir, "connectors", id);
    const file = join(dir, "manifest.json");
    if (existsSync(file)) found.push({ id, dir, manifest: JSON.parse(await readFile(file, "utf8")) });
  }
  return found;
}

/** Writes `page` (relative to the repository) unless it already holds `text`. */
export async function writeGenerated(page, text) {
  const out = join(repoDir, page);
  const current = await readFile(out, "utf8").catch(() => "");
  if (current !== text) {
    if (process.argv.includes("--check")) {
      console.error(`${page} is stale. Run \`npm run generate\` and commit the result.`);
      process.exit(1);
    }
    await writeFile(out, text);
    console.log(`wrote ${page}`);
  }
}
