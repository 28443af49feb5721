// The server opens the state store when it starts, stops at start-up when it cannot, and closes it
// when it stops.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";
import { startActionServer } from "../src/server.js";
import { startServerProcess } from "./process.js";

const SECRET = "store-test-secret-0123456789abcdef";
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "tagwire-server-store-"));
  dirs.push(dir);
  return dir;
};

describe("the server's state store", () => {
  it("is the SQLite file in TAGWIRE_STATE_DIR, opened at start and closed at stop", async () => {
    const dir = join(tempDir(), "state");
    const server = await startServerProcess({ TAGWIRE_DATABASE_URL: "", TAGWIRE_STATE_DIR: dir });
    try {
      expect(existsSync(join(dir, "tagwire.db"))).toBe(true);
      // Open: the write-ahead log exists while a connection does.
      expect(existsSync(join(dir, "tagwire.db-wal"))).toBe(true);
    } finally {
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
    expect(existsSync(join(dir, "tagwire.db-wal"))).toBe(false);
  });

  it("is none with TAGWIRE_DATABASE_URL=none: nothing is written", async () => {
    const dir = join(tempDir(), "state");
    const server = await startServerProcess({ TAGWIRE_DATABASE_URL: "none", TAGWIRE_STATE_DIR: dir });
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses a TAGWIRE_DATABASE_URL it cannot use as a configuration error, without the password", () => {
    expect(() => configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_DATABASE_URL: "mysql://tagwire:hunter2-secret@db/state" })).toThrow(
      "TAGWIRE_DATABASE_URL must be unset (the embedded SQLite file), `none`, or a postgres:// or postgresql:// URL; got a mysql: URL",
    );
    expect(() => configFromEnv({ ACTION_HUB_SECRET: SECRET, TAGWIRE_HISTORY_DAYS: "-3" })).toThrow(/TAGWIRE_HISTORY_DAYS must be a whole number of days/);
  });

  it("does not start when the database cannot be reached, and says which one without its password", async () => {
    const config = configFromEnv({ ACTION_HUB_SECRET: SECRET, HOST: "127.0.0.1", TAGWIRE_DATABASE_URL: "postgres://tagwire:hunter2-secret@127.0.0.1:1/state" });
    const started = startActionServer({ ...config, port: 0 }, { logSink: () => undefined });
    await expect(started).rejects.toThrow("the state store cannot be opened: postgres://tagwire@127.0.0.1:1/state: cannot prepare the database: connection refused");
    await expect(started).rejects.not.toThrow(/hunter2/);
  });
});
