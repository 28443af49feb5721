// Where the spool keeps its files and how much disk it may use, from the environment:
// TAGWIRE_SPOOL_MAX_BYTES, and the state directory the runtime's store uses (TAGWIRE_STATE_DIR).

import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Data from "effect/Data";
import type { Env } from "../run/endpoint.js";

/** 4 GiB: a million-row Look (about 500 MB of JSON) compresses to about a quarter of that, so several fit. */
export const DEFAULT_SPOOL_MAX_BYTES = 4 * 1024 ** 3;

export interface SpoolConfig {
  /** The directory part files are written to (created when first needed). */
  readonly dir: string;
  /** Compressed bytes all of the process's spools may keep on disk together; 0: no spool, the download is read at the run's pace. */
  readonly maxBytes: number;
}

/** A spool variable that cannot be used; the message names it. */
export class SpoolConfigError extends Data.TaggedError("SpoolConfigError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason;
  }
}

/**
 * The spool the environment asks for: `<stateDir>/spool` when the runtime keeps a state directory,
 * else a directory in the OS's temporary directory; TAGWIRE_SPOOL_MAX_BYTES bounds it.
 */
export function spoolConfigFromEnv(env: Env, stateDir: string | undefined): SpoolConfig {
  return { dir: spoolDir(stateDir), maxBytes: spoolMaxBytes(env["TAGWIRE_SPOOL_MAX_BYTES"]) };
}

export const spoolDir = (stateDir: string | undefined): string => (stateDir !== undefined ? join(stateDir, "spool") : join(tmpdir(), "tagwire-spool"));

function spoolMaxBytes(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_SPOOL_MAX_BYTES;
  const text = raw.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new SpoolConfigError({ reason: `TAGWIRE_SPOOL_MAX_BYTES must be a whole number of bytes (0 turns the spool off), not \`${text.slice(0, 40)}\`.` });
  }
  return n;
}
