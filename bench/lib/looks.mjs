// Synthetic Look files for the benchmark, kept in <tmpdir>/tagwire-bench and reused across runs.
// A file is reused only when its sidecar `.meta.json` matches the rows, mode, seed, byte size and
// the generator's source hash, so a changed generator or an interrupted write regenerates it.

import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticLook } from "./synthetic-look.mjs";

/** Where Looks are written. */
export const LOOK_DIR = join(tmpdir(), "tagwire-bench");

/**
 * @typedef {object} LookFile
 * @property {string} path
 * @property {number} bytes
 * @property {number} rows
 * @property {"user" | "event"} mode
 * @property {number} seed
 * @property {boolean} reused  true when an existing file was used
 * @property {number} generateMs  0 when reused
 */

/** @returns {Promise<string>} the first 16 hex digits of the generator's source hash */
async function generatorHash() {
  const source = await readFile(new URL("./synthetic-look.mjs", import.meta.url));
  return createHash("sha256").update(source).digest("hex").slice(0, 16);
}

/**
 * Returns the Look for these parameters, generating it when it is missing or stale.
 * @param {{ rows: number, mode: "user" | "event", seed: number, log: (line: string) => void }} options
 * @returns {Promise<LookFile>}
 */
export async function ensureLook({ rows, mode, seed, log }) {
  await mkdir(LOOK_DIR, { recursive: true });
  const path = join(LOOK_DIR, `look-${mode}-${rows}-seed${seed}.json`);
  const metaPath = `${path}.meta.json`;
  const generator = await generatorHash();
  try {
    const meta = JSON.parse(await readFile(metaPath, "utf8"));
    const size = (await stat(path)).size;
    if (meta.rows === rows && meta.mode === mode && meta.seed === seed && meta.generator === generator && meta.bytes === size) {
      return { path, bytes: size, rows, mode, seed, reused: true, generateMs: 0 };
    }
  } catch {
    // no usable file: generate below
  }
  log(`generating ${rows.toLocaleString("en-US")}-row ${mode} Look (seed ${seed}) at ${path}`);
  await rm(metaPath, { force: true });
  const t0 = performance.now();
  const partial = `${path}.partial`;
  const file = await writeSyntheticLook({ rows, mode, seed, path: partial });
  await rename(partial, path);
  const generateMs = performance.now() - t0;
  await writeFile(metaPath, JSON.stringify({ rows, mode, seed, generator, bytes: file.bytes }, null, 2));
  log(`  ${(file.bytes / 1e6).toFixed(1)} MB in ${(generateMs / 1000).toFixed(1)} s`);
  return { path, bytes: file.bytes, rows, mode, seed, reused: false, generateMs };
}
