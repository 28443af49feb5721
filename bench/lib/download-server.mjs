// Stands in for Looker's `download_url`: each URL serves one file once, streamed from disk with
// chunked transfer encoding (no Content-Length), as Looker streams a large result.

import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";

/**
 * @typedef {object} Transfer
 * @property {string} path
 * @property {number} startedAt  performance.now() when the request came
 * @property {number | null} endedAt  when the last byte was handed to the socket (the response ended); null while it goes on or when it was cut
 * @property {number} bytes  read from the file so far
 * @property {boolean} aborted  the reader went away before the end
 */

/**
 * @typedef {object} DownloadServer
 * @property {string} url                      base URL (loopback)
 * @property {(path: string) => string} urlFor  a one-time URL serving `path`
 * @property {() => { served: number, refused: number, bytes: number }} stats
 * @property {() => Transfer[]} transfers       every download served, in the order asked, with when it ended
 * @property {() => Promise<void>} close
 */

/**
 * @param {{ chunkBytes?: number }} [options]  read size of the file stream (default 64 KiB)
 * @returns {Promise<DownloadServer>}
 */
export async function startDownloadServer(options = {}) {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  /** @type {Map<string, string>} token -> file path */
  const tokens = new Map();
  const counts = { served: 0, refused: 0, bytes: 0 };
  /** @type {Transfer[]} */
  const transfers = [];

  const server = createServer((req, res) => {
    const token = (req.url ?? "").split("?")[0].split("/").pop() ?? "";
    const path = tokens.get(token);
    if (req.method !== "GET" || path === undefined) {
      counts.refused++;
      res.writeHead(404, { "content-type": "text/plain" }).end("no such download (URLs are single-use)\n");
      return;
    }
    tokens.delete(token);
    counts.served++;
    /** @type {Transfer} */
    const transfer = { path, startedAt: performance.now(), endedAt: null, bytes: 0, aborted: false };
    transfers.push(transfer);
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    const file = createReadStream(path, { highWaterMark: chunkBytes });
    file.on("data", (chunk) => {
      counts.bytes += chunk.length;
      transfer.bytes += chunk.length;
    });
    pipeline(file, res).then(
      () => {
        // Every byte handed to the socket: the reader has it, or the kernel's buffers between the two do.
        transfer.endedAt = performance.now();
      },
      () => {
        // the reader went away (an aborted execute): nothing to clean up beyond the streams
        transfer.aborted = true;
      },
    );
  });
  server.keepAliveTimeout = 1_000;

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    urlFor(path) {
      const token = randomBytes(16).toString("hex");
      tokens.set(token, path);
      return `${url}/download/${token}`;
    },
    stats: () => ({ ...counts }),
    transfers: () => transfers.map((t) => ({ ...t })),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
