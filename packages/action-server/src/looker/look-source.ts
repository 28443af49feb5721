import * as Effect from "effect/Effect";
import type * as Scope from "effect/Scope";
import { readLook, SourceError, spooledDownload, type LookDownload, type LookEvent, type SpooledBytes, type SpoolService, groupDigits, loadGot } from "@tagwire/engine";
import type { ExecuteRequest } from "./execute-request.js";
import type { MainThreadTurns } from "../main-thread-turns.js";

export interface DownloadPolicy {
  /** Allowed hosts (`host` or `host:port`); undefined allows any. */
  readonly hosts?: ReadonlyArray<string>;
  readonly idleMs: number;
  /** Largest row accepted, inline or downloaded; unset: the engine's default. */
  readonly maxRowBytes?: number;
}

/** Refuses URLs that are not http(s) or whose host is not allowed, naming the host, never the URL (it carries a token). */
export function checkDownloadUrl(url: string, policy: DownloadPolicy): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError({ reason: "`scheduled_plan.download_url` is not a valid URL." });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new SourceError({ reason: `download_url must be http or https, not ${parsed.protocol.replace(":", "")}.` });
  const hosts = policy.hosts;
  if (hosts !== undefined && !hostAllowed(parsed, hosts)) {
    throw new SourceError({ reason: `download host ${parsed.host} is not in TAGWIRE_DOWNLOAD_HOSTS.` });
  }
  return parsed;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { "http:": "80", "https:": "443" };

/** `host` allows any port of it; `host:port` that port, where a URL without a port means its scheme's default. */
function hostAllowed(url: URL, hosts: ReadonlyArray<string>): boolean {
  const name = url.hostname.toLowerCase();
  const port = url.port !== "" ? url.port : DEFAULT_PORTS[url.protocol];
  return hosts.includes(name) || hosts.includes(`${name}:${port}`);
}

/** The Look an execute sends: its events, and for a download, its spool (when the download ended, what the spool held). */
export interface ExecuteLook {
  readonly events: AsyncIterable<LookEvent>;
  readonly download?: LookDownload & Pick<SpooledBytes, "figures">;
}

/**
 * The Look as an event stream: inline, or fetched from `download_url` through the spool (read as
 * fast as it is served, whatever the destination's pace) and cut into rows as the run takes them
 * (parsed by the run). The spool's files go when the scope closes. Each downloaded chunk the run
 * takes waits for a turn of the server's thread; an inline Look's chunks take theirs as the body is
 * read (readExecuteBody).
 */
export function lookOf(req: ExecuteRequest, policy: DownloadPolicy, turns: MainThreadTurns): Effect.Effect<ExecuteLook, never, SpoolService | Scope.Scope> {
  const options = { raw: true, ...(policy.maxRowBytes !== undefined ? { maxRowBytes: policy.maxRowBytes } : {}) } as const;
  if (req.inline !== undefined) return Effect.succeed({ events: readLook(req.inline, options) });
  return Effect.map(spooledDownload(download(req.downloadUrl!, policy)), (spooled) => ({ events: readLook(turns.paced(spooled), options), download: spooled }));
}

/** Checked when the first chunk is asked for, so a refused URL fails the run (as a SourceError) rather than the caller. */
async function* download(rawUrl: string, policy: DownloadPolicy): AsyncGenerator<Uint8Array> {
  const url = checkDownloadUrl(rawUrl, policy);
  const got = await loadGot();
  const stream = got.stream(url, {
    retry: { limit: 0 },
    // Idle: no byte for this long ends the download; the total time is not bounded (Looks can be large).
    timeout: { lookup: 10_000, connect: 10_000, response: policy.idleMs, socket: policy.idleMs },
    hooks: {
      beforeRedirect: [
        (options) => {
          checkDownloadUrl(String(options.url), policy);
        },
      ],
    },
  });
  let received = 0;
  try {
    for await (const chunk of stream) {
      received += (chunk as Uint8Array).length;
      yield chunk as Uint8Array;
    }
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const err = e as { response?: { statusCode?: number }; code?: string; cause?: unknown };
    // got wraps what a hook throws (a refused redirect) in its own error.
    if (err.cause instanceof SourceError) throw err.cause;
    throw new SourceError({ reason: `could not download the Look from ${url.host}: ${downloadFailure(err, received, policy.idleMs)}.` });
  }
}

/** What went wrong, in words: a refusal before the Look started, or how it broke off after it had. */
function downloadFailure(err: { response?: { statusCode?: number }; code?: string }, received: number, idleMs: number): string {
  if (err.code === "ERR_TOO_MANY_REDIRECTS") return "too many redirects";
  const status = err.response?.statusCode;
  if (status !== undefined && (status < 200 || status > 299)) return `HTTP ${status}`;
  if (status === undefined) return err.code ?? "network error";
  const stalled = err.code === "ETIMEDOUT" || err.code === "ESOCKETTIMEDOUT";
  const cause = stalled ? `nothing arrived for ${idleMs / 1000} s (TAGWIRE_DOWNLOAD_IDLE_MS)` : `the connection failed (${err.code ?? "network error"})`;
  return `the download broke off after ${groupDigits(received)} bytes: ${cause}`;
}
