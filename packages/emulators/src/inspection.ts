import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "./body.js";
import { checkFaultConfig, FaultConfigError, type FaultConfig } from "./faults.js";
import { sendJson } from "./responses.js";
import type { EmulatedConnector } from "./server.js";
import type { EmulatorState } from "./state.js";

const MAX_CONTROL_BODY = 1024 * 1024;
const DEFAULT_PAGE = 1000;

export function snapshot(connectors: Map<string, EmulatedConnector>): EmulatorState {
  const state: EmulatorState = {};
  // Deep copy, so callers holding a snapshot do not see it change under them.
  for (const [id, connector] of connectors) state[id] = structuredClone(connector.store.state);
  return state;
}

export function resetAll(connectors: Map<string, EmulatedConnector>): void {
  for (const connector of connectors.values()) {
    connector.store.reset();
    connector.faults.restart();
  }
}

/** Checks a `{ "<connectorId>": FaultConfig }` map completely before anything is applied. */
export function checkFaultMap(input: unknown, connectors: Map<string, EmulatedConnector>): Map<string, FaultConfig> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new FaultConfigError('faults must be an object: { "<connectorId>": { ...fault config } }');
  }
  const checked = new Map<string, FaultConfig>();
  for (const [id, config] of Object.entries(input)) {
    if (!connectors.has(id)) throw new FaultConfigError(`faults: unknown connector "${id}"`);
    checked.set(id, checkFaultConfig(config, `faults.${id}`));
  }
  return checked;
}

const nonNegativeInt = (value: string | null, fallback: number): number | null => {
  if (value === null || value === "") return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
};

/** The `/_emulator/...` endpoints: no auth, JSON in and out, never faulted. */
export async function handleInspection(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  connectors: Map<string, EmulatedConnector>,
): Promise<void> {
  const method = req.method ?? "GET";
  const only = (allowed: string) => {
    if (method === allowed) return true;
    sendJson(res, 405, { error: "method_not_allowed", message: `use ${allowed}` }, { allow: allowed });
    return false;
  };
  const route = path.slice("/_emulator".length);

  if (route === "/health") {
    if (!only("GET")) return;
    const listed = [...connectors.values()].map(({ profile }) => ({
      id: profile.id,
      paths: [profile.wire.path, ...Object.keys(profile.emulation.singleRecordPaths)],
    }));
    return sendJson(res, 200, { ok: true, connectors: listed });
  }
  if (route === "/state") {
    if (!only("GET")) return;
    return sendJson(res, 200, snapshot(connectors));
  }
  if (route === "/reset") {
    if (!only("POST")) return;
    resetAll(connectors);
    return sendJson(res, 200, { ok: true });
  }
  if (route === "/faults") {
    if (method === "GET") {
      const current: Record<string, FaultConfig> = {};
      for (const [id, connector] of connectors) current[id] = connector.faults.current;
      return sendJson(res, 200, current);
    }
    if (!only("PUT")) return;
    const read = await readBody(req, MAX_CONTROL_BODY);
    if (read.kind !== "ok") {
      if (read.kind === "too-large") sendJson(res, 400, { error: "bad_request", message: "body too large" });
      return;
    }
    let checked: Map<string, FaultConfig>;
    try {
      checked = checkFaultMap(JSON.parse(read.body.toString("utf8")), connectors);
    } catch (error) {
      const message = error instanceof SyntaxError ? "malformed JSON" : (error as Error).message;
      return sendJson(res, 400, { error: "bad_request", message });
    }
    for (const [id, config] of checked) connectors.get(id)!.faults.set(config);
    return sendJson(res, 200, { ok: true });
  }

  const arrivals = /^\/([^/]+)\/arrivals$/.exec(route);
  if (arrivals) {
    if (!only("GET")) return;
    const id = decodeURIComponent(arrivals[1]!);
    const connector = connectors.get(id);
    if (!connector) return sendJson(res, 404, { error: "not_found", message: `no connector "${id}" is emulated` });
    // When records arrived, per millisecond: a test reads the rate the destination saw over any window.
    return sendJson(res, 200, { connector: id, arrivals: connector.store.arrivalTimes() });
  }

  const records = /^\/([^/]+)\/records$/.exec(route);
  if (records) {
    if (!only("GET")) return;
    const id = decodeURIComponent(records[1]!);
    const connector = connectors.get(id);
    if (!connector) return sendJson(res, 404, { error: "not_found", message: `no connector "${id}" is emulated` });
    const params = new URLSearchParams(query);
    const offset = nonNegativeInt(params.get("offset"), 0);
    const limit = nonNegativeInt(params.get("limit"), DEFAULT_PAGE);
    if (offset === null || limit === null) {
      return sendJson(res, 400, { error: "bad_request", message: "offset and limit must be non-negative integers" });
    }
    const { store } = connector;
    return sendJson(res, 200, {
      connector: id,
      kept: store.recordsKept,
      total: store.storedCount,
      offset,
      records: store.list(offset, limit),
    });
  }

  sendJson(res, 404, { error: "not_found", message: `no inspection endpoint at ${path}` });
}
