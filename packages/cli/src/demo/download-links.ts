import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";

/** Stands in for Looker's one-time `download_url`s. */
export async function serveDownloads(body: string): Promise<{ url(): string; close(): Promise<void> }> {
  const tokens = new Set<string>();
  const server: Server = createServer((req, res) => {
    const token = (req.url ?? "").split("/").pop() ?? "";
    if (!tokens.delete(token)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url() {
      const token = randomBytes(12).toString("hex");
      tokens.add(token);
      return `http://127.0.0.1:${port}/download/${token}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
