// How the Docker image starts the server, read from the Dockerfile, so a bench measures what the
// image deploys: its NODE_OPTIONS (heap flags) and its MALLOC_ARENA_MAX (glibc's arenas: one per
// thread by default, about 10 MB of a run's peak; docs/performance.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./processes.mjs";

/** @returns {{ nodeOptions: string, mallocArenaMax: string }} Empty where the Dockerfile sets none. */
export function dockerfileServer() {
  const text = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
  return { nodeOptions: /NODE_OPTIONS="([^"]*)"/.exec(text)?.[1] ?? "", mallocArenaMax: /MALLOC_ARENA_MAX=(\d+)/.exec(text)?.[1] ?? "" };
}

/**
 * The server child's MALLOC_ARENA_MAX for `--malloc-arena-max` (undefined: not given): the
 * Dockerfile's when the child runs with the Dockerfile's node options, as the image does, else
 * glibc's default (as `npx tagwire serve` runs); an empty value sets none.
 * @param {string | undefined} given
 * @param {string} serverNodeArgs
 * @returns {Record<string, string>} the environment to add
 */
export function mallocArenaEnv(given, serverNodeArgs) {
  const docker = dockerfileServer();
  return arenaEnv(given ?? (serverNodeArgs === docker.nodeOptions ? docker.mallocArenaMax : ""));
}

/**
 * The environment that sets MALLOC_ARENA_MAX to `value` (a whole number), or none for an empty value.
 * @param {string} value
 * @returns {Record<string, string>}
 */
export function arenaEnv(value) {
  if (!/^\d*$/.test(value)) throw new Error("--malloc-arena-max must be a whole number, or empty for glibc's default");
  return value === "" ? {} : { MALLOC_ARENA_MAX: value };
}
