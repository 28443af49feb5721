// Where a spool's files go and how they are named. A name carries the host, the process (its pid
// and start time), the spool's number in the process and the part's number in the spool, so
// that a process starting up can tell the files of one that has died (a crash, a kill -9) from
// those of one still running: another replica or CLI command may share the directory.

import { hostname } from "node:os";
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** The process a spool file belongs to. */
export interface SpoolOwner {
  /** The host name, reduced to letters, digits and dashes: pids are told apart per host only. */
  readonly host: string;
  readonly pid: number;
  /** Epoch ms the process started: a later process given the same pid (a restarted container's) is another owner. */
  readonly startedAt: number;
}

const SUFFIX = ".spool";

export function thisProcess(): SpoolOwner {
  return { host: hostLabel(hostname()), pid: process.pid, startedAt: Math.floor(performance.timeOrigin) };
}

const hostLabel = (name: string): string => name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 64) || "host";

/** `<host>.<pid>.<started>.<spool>.<part>.spool` */
export function partFileName(owner: SpoolOwner, spool: number, part: number): string {
  return `${owner.host}.${owner.pid}.${owner.startedAt}.${spool}.${part}${SUFFIX}`;
}

/** The owner a file name says, or undefined for a file that is not a spool part (left alone). */
export function ownerOf(name: string): SpoolOwner | undefined {
  if (!name.endsWith(SUFFIX)) return undefined;
  const m = /^([A-Za-z0-9-]+)\.(\d+)\.(\d+)\.\d+\.\d+$/.exec(name.slice(0, -SUFFIX.length));
  if (m === null) return undefined;
  return { host: m[1]!, pid: Number(m[2]), startedAt: Number(m[3]) };
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the part files that processes of this host left when they died: files whose process
 * no longer runs (or whose pid this process now has), written before this process started.
 * Files of a running process, of another host, and anything else in the directory stay. A pid
 * reused by an unrelated process keeps its dead owner's files until a later sweep. Returns how
 * many files were removed; a directory that cannot be read removes none.
 */
export async function sweepSpoolDir(dir: string, self: SpoolOwner, alive: (pid: number) => boolean = processAlive): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const owner = ownerOf(name);
    if (owner === undefined || owner.host !== self.host) continue;
    if (owner.pid === self.pid && owner.startedAt === self.startedAt) continue;
    const gone = owner.pid === self.pid || !alive(owner.pid);
    if (!gone) continue;
    const path = join(dir, name);
    try {
      if ((await stat(path)).mtimeMs >= self.startedAt) continue;
      await rm(path, { force: true });
      removed++;
    } catch {
      // Removed meanwhile by another process's sweep, or not ours to remove: left as it is.
    }
  }
  return removed;
}
