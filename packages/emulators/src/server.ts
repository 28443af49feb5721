import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { checkHeader, expectedCredentials, headerRefusal, type ExpectedCredentials } from "./auth.js";
import { isJsonContentType, readBody } from "./body.js";
import { FaultInjector, type FaultConfig } from "./faults.js";
import { handleInspection } from "./inspection.js";
import { intake } from "./intake.js";
import type { WireProfile } from "./profile.js";
import { sendError, sendJson, sendSuccess, styleOf, type ResponseStyle } from "./responses.js";
import { ConnectorStore } from "./state.js";

/** One loaded connector: its wire profile plus the emulator's live state for it. */
export interface EmulatedConnector {
  profile: WireProfile;
  store: ConnectorStore;
  faults: FaultInjector;
  /** What a client must send, from the manifest's auth declaration: headers checked here, body fields by intake. */
  credentials: ExpectedCredentials;
  style: ResponseStyle;
}

interface Route {
  connector: EmulatedConnector;
  /** Fields a one-record path implies; null on the batch path. */
  implied: Record<string, string> | null;
}

export interface ServerSettings {
  validate: boolean;
  keepRecords: boolean;
}

export const INSPECTION_PREFIX = "/_emulator";

export function emulateConnector(
  profile: WireProfile,
  configured: Record<string, string> | undefined,
  faults: FaultConfig | undefined,
  keepRecords: boolean,
): EmulatedConnector {
  return {
    profile,
    store: new ConnectorStore(profile.wire.dedupField, keepRecords),
    faults: new FaultInjector(faults),
    credentials: expectedCredentials(profile.wire.auth, configured),
    style: styleOf(profile),
  };
}

/** Maps every batch and one-record path to its connector; two connectors on one path is an error. */
export function buildRoutes(connectors: readonly EmulatedConnector[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  const owner = new Map<string, string>();
  const add = (path: string, route: Route) => {
    const id = route.connector.profile.id;
    if (path === INSPECTION_PREFIX || path.startsWith(`${INSPECTION_PREFIX}/`)) {
      throw new Error(`connector ${id}: path ${path} is reserved for the emulator's inspection endpoints`);
    }
    const taken = owner.get(path);
    if (taken !== undefined) {
      throw new Error(`path collision: ${path} is served by both connector ${taken} and connector ${id}`);
    }
    owner.set(path, id);
    routes.set(path, route);
  };
  for (const connector of connectors) {
    const { wire, emulation } = connector.profile;
    add(wire.path, { connector, implied: null });
    for (const [path, implied] of Object.entries(emulation.singleRecordPaths)) {
      add(path, { connector, implied });
    }
  }
  return routes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createEmulatorServer(
  connectors: Map<string, EmulatedConnector>,
  settings: ServerSettings,
): Server {
  const routes = buildRoutes([...connectors.values()]);

  const handleApi = async (req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> => {
    const { connector, implied } = route;
    const { store, faults, style, profile } = connector;
    const answerError = (status: number, messages: string[], headers?: Record<string, string>, lists?: Record<string, unknown>) => {
      store.countStatus(status);
      sendError(res, style, status, messages, headers, lists);
    };

    store.countRequest();
    if (req.method !== "POST") return answerError(405, [`${req.method} is not allowed here; use POST`], { allow: "POST" });

    const fault = faults.decide();
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (fault.kind === "drop") {
      store.countFault("drop");
      req.socket.destroy();
      return;
    }
    if (fault.kind === "status") {
      store.countFault(fault.label);
      const headers: Record<string, string> =
        fault.retryAfterSeconds === null ? {} : { "retry-after": String(fault.retryAfterSeconds) };
      return answerError(fault.status, [`injected fault: ${fault.status}`], headers);
    }

    // Headers are checked here; a key carried in the body is checked once the body is parsed.
    for (const expected of connector.credentials.headers) {
      const outcome = checkHeader(req.headers[expected.name.toLowerCase()] as string | undefined, expected);
      if (outcome === "ok") continue;
      const refusal = headerRefusal(expected, outcome);
      return answerError(refusal.status, [refusal.message], refusal.headers);
    }

    const contentType = req.headers["content-type"];
    if (!isJsonContentType(contentType)) {
      return answerError(400, [contentType ? `Content-Type must be application/json, not ${contentType}` : "missing Content-Type (application/json expected)"]);
    }

    const maxBytes = profile.wire.limits.maxRequestBytes;
    const read = await readBody(req, maxBytes);
    if (read.kind === "aborted") return;
    if (read.kind === "too-large") return answerError(400, [`request body over the ${maxBytes}-byte limit`]);

    const result = intake(profile, store, read.body, implied, settings.validate, connector.credentials);
    if (!result.ok) return answerError(400, result.messages, undefined, result.lists);
    store.countStatus(style.kind === "errors-list" ? 202 : 200);
    sendSuccess(res, style, result.lists);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query < 0 ? url : url.slice(0, query);
    const route = routes.get(path);
    const handled =
      route !== undefined
        ? handleApi(req, res, route)
        : path === INSPECTION_PREFIX || path.startsWith(`${INSPECTION_PREFIX}/`)
          ? handleInspection(req, res, path, query < 0 ? "" : url.slice(query + 1), connectors)
          : Promise.resolve(sendJson(res, 404, { error: "not_found", message: `nothing is emulated at ${path}` }));
    handled.catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, { error: "internal_error", message: error instanceof Error ? error.message : String(error) });
    });
  });
  return server;
}
