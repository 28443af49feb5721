// The two backends as the tests use them: each test gets its own SQLite file in a temporary
// directory, or its own schema in the Postgres database `test` (127.0.0.1:5432, or
// TAGWIRE_TEST_POSTGRES_URL), dropped when the test ends. Postgres tests fail, never skip, when the
// server cannot be reached.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { BackendConfig } from "../src/index.js";

export const POSTGRES_URL = process.env["TAGWIRE_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** Schemas of this test process start with this, so a leftover can be told from another run's. */
export const SCHEMA_PREFIX = `tagwire_test_${process.pid}_`;

export interface Place {
  readonly config: BackendConfig;
  /** Runs SQL in the test's own database or schema. */
  sql(text: string, params?: ReadonlyArray<unknown>): Promise<ReadonlyArray<Record<string, unknown>>>;
  /** Drops the database file or schema. */
  remove(): Promise<void>;
}

export interface Backend {
  readonly name: "sqlite" | "postgres";
  place(historyDays?: number): Promise<Place>;
}

export const sqlite: Backend = {
  name: "sqlite",
  async place(historyDays = 90) {
    const dir = mkdtempSync(join(tmpdir(), "tagwire-store-"));
    const path = join(dir, "state", "tagwire.db");
    return {
      config: { kind: "sqlite", path, historyDays },
      async sql(text, params = []) {
        const { default: Sqlite } = await import("better-sqlite3");
        const db = new Sqlite(path);
        try {
          const statement = db.prepare(text);
          return statement.reader ? (statement.all(...params) as Array<Record<string, unknown>>) : (statement.run(...params), []);
        } finally {
          db.close();
        }
      },
      async remove() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export async function adminQuery(text: string, params: ReadonlyArray<unknown> = []): Promise<ReadonlyArray<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(text, params as unknown[])).rows;
  } finally {
    await client.end();
  }
}

/** The URL of the test database with `schema` first on the search path. */
export function schemaUrl(schema: string, extra: Record<string, string> = {}): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url.toString();
}

export const postgres: Backend = {
  name: "postgres",
  async place(historyDays = 90) {
    const schema = `${SCHEMA_PREFIX}${randomBytes(4).toString("hex")}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const url = schemaUrl(schema);
    return {
      config: { kind: "postgres", url, historyDays },
      async sql(text, params = []) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query(text, params as unknown[])).rows;
        } finally {
          await client.end();
        }
      },
      async remove() {
        await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  },
};

export const BACKENDS: ReadonlyArray<Backend> = [sqlite, postgres];

/** `count` random 16-byte key and content digests, as one page's columns. */
export function randomPage(count: number): { count: number; keys: Uint8Array; contents: Uint8Array } {
  return { count, keys: new Uint8Array(randomBytes(count * 16)), contents: new Uint8Array(randomBytes(count * 16)) };
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
