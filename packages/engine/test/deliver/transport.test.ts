import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport, MAX_ANSWER_BYTES } from "../../src/deliver/transport.js";

const ANSWER_BYTES = 20 * 1024 * 1024;
let server: Server;
let url: string;

beforeAll(async () => {
  // An error answer of 20 MB, streamed in 64 KB pieces, as a misbehaving API or proxy might send.
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(400, { "content-type": "text/plain" });
      const piece = Buffer.alloc(64 * 1024, "x");
      let sent = 0;
      const more = () => {
        while (sent < ANSWER_BYTES) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("transport", () => {
  it("keeps only the first 64 KB of an answer, reads the rest to its end and can send again", async () => {
    const transport = createTransport();
    try {
      for (let i = 0; i < 2; i++) {
        const result = await transport.post(url, "[]", { "content-type": "application/json" });
        expect(result.kind).toBe("response");
        if (result.kind !== "response") return;
        expect(result.status).toBe(400);
        expect(result.body.length).toBe(MAX_ANSWER_BYTES);
        expect(result.body).toBe("x".repeat(MAX_ANSWER_BYTES));
      }
    } finally {
      transport.close();
    }
  });
});
