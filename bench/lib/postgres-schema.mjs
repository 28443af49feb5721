// A Postgres schema of a benchmark's own, so its runs never meet another's tables: the URL a
// server uses to reach it, and its removal.

import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * @param {string} base  the server's URL (database, credentials)
 * @param {string} prefix  names the benchmark in the schema's name
 * @returns {Promise<{ url: string, drop: () => Promise<void> }>}
 */
export async function benchSchema(base, prefix) {
  const schema = `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = async (/** @type {string} */ sql) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}
