import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import * as Layer from "effect/Layer";
import * as ManagedRuntime from "effect/ManagedRuntime";
import {
  compactHeap, defaultMemoryBudgetBytes, credentialWireValues, defaultRetryPolicy, engineLayer, loadConnectors, MemoryBudget, MemoryBudgetService, spoolConfigFromEnv, spoolLayer, SpoolService, SyncStoreService,
  type Connector, type SyncStore,
} from "@tagwire/engine";
import { sharedRateBudgetsLayer, storeLayerOf } from "@tagwire/store";
import { ConfigError, type ServerConfig } from "./config.js";
import { isAuthorized } from "./auth.js";
import { createLogger, type Logger } from "./log.js";
import { Metrics } from "./metrics.js";
import { actionIndex, integrationList, type ActionRef } from "./looker/integrations.js";
import { formFor } from "./looker/form.js";
import { parseExecuteRequest, BadRequest } from "./looker/execute-request.js";
import { readExecuteBody } from "./looker/execute-body.js";
import { execute } from "./execute.js";
import { BodyTimedOut, BodyTooLarge, isJson, readBody, sendError, sendJson } from "./http-io.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS } from "./config.js";
import { shutdownDeadline } from "./shutdown.js";
import { MainThreadTurns } from "./main-thread-turns.js";

export interface ActionServer {
  readonly url: string;
  readonly port: number;
  readonly metrics: Metrics;
  /**
   * Stops accepting, lets running executes finish (those still running after the grace period stop and answer with what they did), then closes.
   * Connections with nothing left to answer are closed at once, each execute's once it has answered, and any still open at the end of the grace period then.
   */
  close(): Promise<void>;
}

export interface ServerDeps {
  readonly connectors?: ReadonlyArray<Connector>;
  /** Where log lines go (default: stdout). */
  readonly logSink?: (line: string) => void;
  /** Where executes keep their syncs' state and every run's history; none: every execute sends every row and keeps no history. */
  readonly syncStore?: SyncStore;
}

const ACTION_PATH = /^\/actions\/([^/]+)\/(form|execute)\/?$/;
const FORM_BODY_LIMIT = 1024 * 1024;
/** Sockets per destination host, for all executes together. */
const TRANSPORT_SOCKETS = 256;

/**
 * A store given to the server (tests give one in memory) as a service of the executes' runtime. A
 * run asks for it as an optional service (`Effect.serviceOption`), so the runtime's type does not
 * carry it, as with the store TAGWIRE_DATABASE_URL opens.
 */
function givenStore(store: SyncStore): Layer.Layer<never> {
  return Layer.succeed(SyncStoreService, store) as Layer.Layer<never>;
}

/** The StoreError's reason behind a failed runtime build (Effect wraps it), or the error's message. */
function storeReason(e: unknown): string {
  const reason = (e as { readonly reason?: unknown }).reason;
  if (typeof reason === "string") return reason;
  const cause = (e as { readonly cause?: unknown }).cause;
  return cause !== undefined && cause !== e ? storeReason(cause) : e instanceof Error ? e.message : String(e);
}

export async function startActionServer(config: ServerConfig, deps: ServerDeps = {}): Promise<ActionServer> {
  // A server runs for long and makes garbage at a steady rate: its heap is bounded by what it holds, not by the machine's memory.
  const compact = compactHeap();
  const connectors = deps.connectors ?? loadConnectors();
  const actions = actionIndex(connectors);
  // One budget for the rows in flight of every execute: executes that would go over it wait their turn.
  const memory = new MemoryBudget(config.memoryBudgetBytes ?? defaultMemoryBudgetBytes());
  const metrics = new Metrics(memory);
  // One thread for every execute's rows: they take turns on it, so it keeps answering (health checks too) while they run.
  const turns = new MainThreadTurns();
  // The engine's parts every execute shares: one destination client (keep-alive sockets), the
  // destinations' rate budgets, the row worker threads, the memory budget, the spool its downloads
  // are read into (swept of a crashed process's files as it is built) and the store of sync state
  // and run history; released at close.
  const log = createLogger(deps.logSink ?? ((line) => process.stdout.write(`${line}\n`)), [config.secret]);
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      engineLayer({ transport: { timeoutMs: config.requestTimeoutMs ?? 30_000, maxSockets: TRANSPORT_SOCKETS }, rowWorkers: { compactHeap: compact } }),
      Layer.succeed(MemoryBudgetService, memory),
      spoolLayer(config.spool ?? spoolConfigFromEnv({}, undefined)),
      deps.syncStore !== undefined ? givenStore(deps.syncStore) : storeLayerOf(config.store ?? { kind: "none" }),
      // After engineLayer: replicas that share a store share the destinations' rate budgets too.
      sharedRateBudgetsLayer(config.sharedBudgets ?? { kind: "none" }, (message) => log.warn({ msg: message })),
    ),
  );
  // Built now, not at the first execute: a store that cannot be opened stops the server at start-up.
  try {
    await runtime.runtime();
  } catch (e) {
    await runtime.dispose();
    throw new ConfigError({ reason: `the state store cannot be opened: ${storeReason(e)}` });
  }
  const spools = await runtime.runPromise(SpoolService);
  metrics.spool(spools);
  const running = new Set<Promise<void>>();
  /** Requests whose body is still arriving: at shutdown they are answered 503 and cut, not waited for. */
  const reading = new Map<IncomingMessage, ServerResponse>();
  /**
   * Executes whose Look streams from the socket into their run: the socket is read only as fast as
   * rows are processed, so their body's deadline counts only the time spent waiting for the client
   * (execute-body.ts), not the time since the request began.
   */
  const streaming = new Set<IncomingMessage>();
  /**
   * Every open connection, with how many of its requests are not answered yet. At shutdown one with
   * none left is closed at once: Node keeps a connection whose request was answered but whose body
   * never ended for its keep-alive timeout (5 s), and that would hold the process's exit.
   */
  const connections = new Map<Socket, number>();
  let closing = false;
  const grace = shutdownDeadline(config.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
  /** Aborted once the shutdown's grace period has run out: executes still running stop and answer. */
  const shutdown = new AbortController();
  // Every execute in flight listens for it (and stops listening when it ends): no bound on how many.
  setMaxListeners(0, shutdown.signal);

  const whileReading = async <A>(req: IncomingMessage, res: ServerResponse, read: Promise<A>): Promise<A> => {
    reading.set(req, res);
    try {
      return await read;
    } finally {
      reading.delete(req);
    }
  };
  const readRequestBody = (req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> => whileReading(req, res, readBody(req, limit));

  const handle = async (req: IncomingMessage, res: ServerResponse, rlog: Logger): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "Use GET /healthz.", { allow: "GET, HEAD" });
      return sendJson(res, closing ? 503 : 200, { status: closing ? "shutting down" : "ok", connectors: connectors.map((c) => c.id), executesInFlight: running.size });
    }
    if (path === "/metrics") {
      if (req.method !== "GET") return sendError(res, 405, "Use GET /metrics.", { allow: "GET" });
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      return void res.end(text);
    }
    const match = ACTION_PATH.exec(path);
    if (path !== "/" && match === null) return sendError(res, 404, `No such endpoint: ${req.method} ${path.slice(0, 200)}.`);
    if (req.method !== "POST") return sendError(res, 405, "The Looker Action API uses POST.", { allow: "POST" });
    if (!isAuthorized(req.headers.authorization, config.secret)) {
      rlog.warn({ msg: "refused: missing or wrong Authorization token" });
      return sendError(res, 403, "Invalid 'Authorization' header: expected Token token=\"<the action hub secret>\".");
    }
    if (closing) return sendError(res, 503, "The server is shutting down; retry on another replica.", { "retry-after": "5" });

    if (match === null) {
      await readRequestBody(req, res, FORM_BODY_LIMIT);
      return sendJson(res, 200, integrationList(connectors, config.baseUrl));
    }
    let name: string;
    try {
      name = decodeURIComponent(match[1]!);
    } catch {
      return sendError(res, 404, "No such action: the action name is not valid percent-encoding.");
    }
    const ref = actions.get(name);
    if (ref === undefined) return sendError(res, 404, `Unknown action \`${name.slice(0, 100)}\`. Actions: ${[...actions.keys()].join(", ")}.`);
    if (match[2] === "form") {
      await readRequestBody(req, res, FORM_BODY_LIMIT);
      return sendJson(res, 200, formFor(ref));
    }
    return runExecute(req, res, ref, rlog);
  };

  const runExecute = async (req: IncomingMessage, res: ServerResponse, ref: ActionRef, rlog: Logger): Promise<void> => {
    if (!isJson(req)) return sendError(res, 415, "The execute request must be JSON (Content-Type: application/json).");
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) throw new BodyTooLarge(config.maxBodyBytes);
    let parsed;
    let received: Promise<void>;
    try {
      // The Look inside the body is not held: it streams into the run, or waits in a file when the
      // settings come after it (see execute-body.ts).
      const body = await whileReading(req, res, readExecuteBody(req, config.maxBodyBytes, bodyTimeoutMs, turns));
      parsed = parseExecuteRequest(body.envelope, body.look);
      received = body.received;
      if (body.look !== undefined) streaming.add(req);
    } catch (e) {
      if (e instanceof BadRequest) return sendError(res, 400, e.message);
      throw e;
    }
    const webhook = req.headers["x-looker-webhook-id"];
    const runId = typeof webhook === "string" && webhook !== "" ? webhook.slice(0, 200) : undefined;
    const instance = req.headers["x-looker-instance"];
    const lookerInstance = typeof instance === "string" && instance !== "" ? instance.slice(0, 200) : undefined;
    // The credentials as they travel (a whole header, a base64 piece), should a line or an answer quote a request.
    const wireCredentials = credentialWireValues(ref.connector.manifest.wire.auth, parsed.settings);
    const elog = rlog.with({ action: ref.action.name, connector: ref.connector.id, scheduledPlanId: parsed.scheduledPlanId }, [...Object.values(parsed.settings), ...wireCredentials]);
    elog.info({ msg: "execute started", source: parsed.inline !== undefined ? "inline" : "download_url", hiddenFields: parsed.hiddenFields.length });

    // Looker waits on this response: answer once the body is in (a body that turns out too large still
    // gets its 413), or when the connection needs its first keep-alive newline; then send the result.
    let tooLarge: BodyTooLarge | undefined;
    let timedOut = false;
    const commit = () => {
      if (!res.headersSent) res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    };
    received.then(commit, (e: unknown) => {
      if (e instanceof BodyTooLarge) tooLarge = e;
      else commit();
      // The rest of a body that stopped arriving will not come: the connection goes once answered.
      if (e instanceof BodyTimedOut) timedOut = true;
    });
    const keepAlive = setInterval(() => {
      commit();
      res.write("\n");
    }, config.keepAliveMs);
    metrics.inFlight.inc();
    const work = execute(ref, parsed, {
      env: config.env,
      download: { ...(config.downloadHosts ? { hosts: config.downloadHosts } : {}), idleMs: config.downloadIdleMs, ...(config.maxRowBytes !== undefined ? { maxRowBytes: config.maxRowBytes } : {}) },
      metrics,
      runtime,
      wireCredentials,
      log: elog,
      ...(runId !== undefined ? { runId } : {}),
      ...(lookerInstance !== undefined ? { lookerInstance } : {}),
      ...(config.retry !== undefined ? { retry: config.retry } : {}),
      hubSecret: config.secret,
      ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}),
      ...(config.workers !== undefined ? { workers: config.workers } : {}),
      ...(config.syncWaitMs !== undefined ? { syncWaitMs: config.syncWaitMs } : {}),
      stop: { signal: shutdown.signal, graceMs: grace.answerMs },
      turns,
    })
      .then((response) => {
        if (tooLarge !== undefined && !res.headersSent) {
          elog.warn({ msg: "refused: body too large" });
          return sendError(res, 413, tooLarge.message, { connection: "close" });
        }
        commit();
        res.end(JSON.stringify(response), () => {
          if (timedOut) req.destroy();
        });
      })
      .catch((e: unknown) => {
        elog.error({ msg: "execute crashed", error: (e as Error).message });
        commit();
        res.end(JSON.stringify({ looker: { success: false, message: "tagwire failed unexpectedly; see the server logs.", refresh_query: false } }));
      })
      .finally(() => {
        streaming.delete(req);
        clearInterval(keepAlive);
        metrics.inFlight.dec();
        running.delete(work);
      });
    running.add(work);
    await work;
  };

  const bodyTimeoutMs = config.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  // Node checks for late requests every `connectionsCheckingInterval`: often enough that the limit holds to within a second.
  const server: Server = createServer({ connectionsCheckingInterval: Math.min(1_000, bodyTimeoutMs) }, (req, res) => {
    const socket = req.socket;
    connections.set(socket, (connections.get(socket) ?? 0) + 1);
    // Once answered (or cut), and the server is shutting down, the connection has nothing more to do.
    res.once("close", () => {
      const open = connections.get(socket);
      if (open === undefined) return;
      connections.set(socket, open - 1);
      if (closing && open - 1 === 0) socket.destroy();
    });
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
    const rlog = log.with({ requestId, method: req.method, path: (req.url ?? "").split("?")[0]!.slice(0, 200) });
    res.setHeader("x-request-id", requestId);
    // The request's headers and body have bodyTimeoutMs to arrive (Node's own requestTimeout is off:
    // it would also cut an inline Look that streams into its run, read only as fast as its rows are processed).
    const late = setTimeout(() => {
      if (req.complete || streaming.has(req)) return;
      rlog.warn({ msg: "refused: the request did not arrive in time" });
      if (!res.headersSent) sendError(res, 408, new BodyTimedOut(bodyTimeoutMs).message, { connection: "close" });
      req.destroy();
    }, bodyTimeoutMs);
    req.once("close", () => clearTimeout(late));
    handle(req, res, rlog).catch((e: unknown) => {
      if (e instanceof BodyTooLarge) {
        rlog.warn({ msg: "refused: body too large" });
        if (!res.headersSent) sendError(res, 413, e.message, { connection: "close" });
        req.resume();
        return;
      }
      if (e instanceof BodyTimedOut) {
        rlog.warn({ msg: "refused: the request did not arrive in time" });
        if (!res.headersSent) sendError(res, 408, e.message, { connection: "close" });
        req.destroy();
        return;
      }
      rlog.error({ msg: "request failed", error: (e as Error).message });
      if (!res.headersSent) sendError(res, 500, "Internal error; see the server logs.");
      else res.end();
    });
  });
  // How long a request may take to arrive is bounded above (per request), not how long its execute
  // runs: Looker holds the connection while the answer is written, and that is not limited.
  server.requestTimeout = 0;
  server.headersTimeout = Math.min(60_000, bodyTimeoutMs);
  server.on("connection", (socket: Socket) => {
    connections.set(socket, 0);
    socket.once("close", () => connections.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({
    msg: "action server listening", port, baseUrl: config.baseUrl, actions: [...actions.keys()], downloadHosts: config.downloadHosts ?? "any",
    delivery: { retry: { ...defaultRetryPolicy, ...config.retry }, requestTimeoutMs: config.requestTimeoutMs ?? 30_000, concurrency: config.concurrency ?? "per connector", workers: config.workers ?? 0 },
    memoryBudgetBytes: memory.limit,
    spool: spools.config.maxBytes === 0 ? "off" : { dir: spools.config.dir, maxBytes: spools.config.maxBytes, sweptFiles: spools.swept },
    rateBudgets: config.sharedBudgets === undefined || config.sharedBudgets.kind === "none" ? "this process" : { sharedIn: config.sharedBudgets.kind, replicas: config.sharedBudgets.replicas },
  });

  return {
    url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`,
    port,
    metrics,
    async close() {
      closing = true;
      const began = Date.now();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle connections, and those whose request was answered while its body still arrives (a 403,
      // a 404, a health check sent with a body): nothing accepted is left on them.
      for (const [socket, open] of connections) if (open === 0) socket.destroy();
      // A body still arriving has started no work; waiting for it could take forever.
      for (const [req, res] of reading) {
        if (!res.headersSent) sendError(res, 503, "The server is shutting down; retry on another replica.", { "retry-after": "5", connection: "close" });
        req.destroy();
      }
      log.info({ msg: "shutting down: finishing executes in flight", executes: running.size, graceMs: grace.totalMs });
      const deadline = setTimeout(() => {
        if (running.size > 0) log.warn({ msg: "shutdown grace period over: stopping the executes still running", executes: running.size });
        shutdown.abort("shutdown");
      }, grace.stopAfterMs);
      await Promise.allSettled([...running]);
      clearTimeout(deadline);
      // The executes have answered, and each connection closes as its answer is written. Whatever
      // is still open at the end of the grace period (a request still being answered, a client that
      // does not read) is cut then: the process must exit within the platform's grace period.
      const cut = setTimeout(() => server.closeAllConnections(), Math.max(0, grace.totalMs - (Date.now() - began)));
      await stopped;
      clearTimeout(cut);
      await runtime.dispose();
      log.info({ msg: "stopped" });
    },
  };
}
