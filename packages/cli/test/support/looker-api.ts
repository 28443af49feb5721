// A local stand-in for the few Looker API 4.0 endpoints `--look` uses, with the SDK's own wire format.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LookerLookFixture {
  readonly hiddenFields?: string[];
  /** The json_detail document the Look runs to. */
  readonly jsonDetail: string;
}

export interface LookerStandIn {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request, as `METHOD /path?query`, for checking what the SDK called. */
  readonly requests: string[];
  close(): Promise<void>;
}

const TOKEN = "stand-in-token";

export async function startLookerStandIn(looks: Record<string, LookerLookFixture>): Promise<LookerStandIn> {
  const clientId = "cli-test-id";
  const clientSecret = "cli-test-secret";
  const requests: string[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) => json(res, 404, { message: "Not found", documentation_url: "https://cloud.google.com/looker/docs/" });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await new Promise<string>((resolve) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString("utf8")));
      req.on("end", () => resolve(text));
    });
    if (req.method === "POST" && url.pathname === "/api/4.0/login") {
      const form = new URLSearchParams(body);
      const id = form.get("client_id") ?? url.searchParams.get("client_id");
      const secret = form.get("client_secret") ?? url.searchParams.get("client_secret");
      if (id !== clientId || secret !== clientSecret) return json(res, 404, { message: "Not found", documentation_url: "https://cloud.google.com/looker/docs/" });
      return json(res, 200, { access_token: TOKEN, token_type: "Bearer", expires_in: 3600 });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { message: "Requires authentication.", documentation_url: "https://cloud.google.com/looker/docs/" });
    const run = /^\/api\/4\.0\/looks\/([^/]+)\/run\/json_detail$/.exec(url.pathname);
    if (req.method === "GET" && run !== null) {
      const look = looks[decodeURIComponent(run[1]!)];
      if (look === undefined) return notFound(res);
      res.writeHead(200, { "content-type": "application/json" });
      // Two writes, so the body really arrives in pieces.
      const half = Math.floor(look.jsonDetail.length / 2);
      res.write(look.jsonDetail.slice(0, half));
      setTimeout(() => res.end(look.jsonDetail.slice(half)), 10);
      return;
    }
    const one = /^\/api\/4\.0\/looks\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && one !== null) {
      const id = decodeURIComponent(one[1]!);
      const look = looks[id];
      if (look === undefined) return notFound(res);
      return json(res, 200, { id, title: `Look ${id}`, query: { id: "q1", model: "m", view: "users", vis_config: { hidden_fields: look.hiddenFields ?? [] } } });
    }
    return notFound(res);
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
