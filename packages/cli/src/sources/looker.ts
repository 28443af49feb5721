// A saved Look, run through the official Looker SDK (configured by its LOOKERSDK_* variables).
import { hiddenFieldsOf, readLook, type LookDownload, type LookEvent } from "@tagwire/engine";
import { InputError } from "../exit.js";
import { counted, type ByteCount } from "./bytes.js";
import type { Spooler } from "./open.js";

export interface LookerLook {
  readonly events: AsyncIterable<LookEvent>;
  readonly hiddenFields: ReadonlyArray<string>;
  readonly count: ByteCount;
  /** When the download ended, when it went through the spool. */
  readonly download?: LookDownload;
}

const SETUP = "set LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID and LOOKERSDK_CLIENT_SECRET";

/**
 * Fetches the Look (for its hidden fields) and streams its json_detail result, through `spool` when
 * given (read ahead of the run); fails with one line when Looker refuses.
 */
export async function openLookerLook(id: string, read: { raw: boolean; maxRowBytes: number }, spool?: Spooler): Promise<LookerLook> {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new InputError({ message: `--look "${id}" is not a Look id` });
  quietSdkDebug();
  // Loaded on demand: the SDK is large and only this source needs it.
  const { LookerNodeSDK } = await import("@looker/sdk-node");
  const { Looker40SDKStream } = await import("@looker/sdk");
  let sdk: ReturnType<typeof LookerNodeSDK.init40>;
  try {
    sdk = LookerNodeSDK.init40();
  } catch (e) {
    throw new InputError({ message: `Looker API is not configured (${SETUP}): ${errorText(e)}`, code: "looker" });
  }
  const base = sdk.authSession.settings.base_url;
  const look = await sdk.look(id, "id,title,query");
  if (!look.ok) {
    // The SDK reports any network failure (its login's included) as a bare "fetch failed": the Look is not the problem then.
    if (errorText(look.error) === "fetch failed") throw new InputError({ message: `the Looker API at ${base} could not be reached (${await networkFault(base)}): check LOOKERSDK_BASE_URL`, code: "looker" });
    throw new InputError({ message: `Looker at ${base} cannot give Look ${id}: ${errorText(look.error)}`, code: "looker" });
  }

  const stream = new Looker40SDKStream(sdk.authSession);
  const count: ByteCount = { read: 0 };
  const body = responseBody((consume) => stream.run_look(consume, { look_id: id, result_format: "json_detail" }), `Look ${id}`);
  const spooled = spool?.(body);
  // Counted as the run takes the bytes, after the spool: the progress tells what was parsed.
  return { events: readLook(counted(spooled ?? body, count), read), hiddenFields: hiddenFieldsOf(look.value.query), count, ...(spooled !== undefined ? { download: spooled } : {}) };
}

/**
 * The SDK logs a `console.debug` line on stdout for every request it makes without an abort signal
 * (its login included), which would corrupt the CLI's output; they go to stderr with TAGWIRE_DEBUG set.
 */
function quietSdkDebug(): void {
  console.debug = (...args: unknown[]) => {
    if (process.env.TAGWIRE_DEBUG) process.stderr.write(`${args.map(String).join(" ")}\n`);
  };
}

/**
 * The SDK hands a streamed response to a callback and settles once the callback does; this turns
 * that into an async iterable of body chunks, so the engine parses the Look while it downloads.
 */
async function* responseBody(start: (consume: (response: Response) => Promise<string>) => Promise<unknown>, what: string): AsyncGenerator<Uint8Array, void, undefined> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let received!: (response: Response) => void;
  const response = new Promise<Response>((resolve) => (received = resolve));
  const call = start(async (r) => {
    received(r);
    await released;
    // The SDK's stream methods are typed to resolve with a value; the body has been consumed by then.
    return "";
  });
  try {
    const r = await Promise.race([response, call.then(() => Promise.reject(new Error("Looker sent no response")))]);
    if (!r.ok) throw new InputError({ message: `Looker cannot run ${what}: HTTP ${r.status} ${await messageOf(r)}`, code: "looker" });
    if (r.body === null) return;
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
  } finally {
    release();
    await call.catch(() => undefined);
  }
}

async function messageOf(r: Response): Promise<string> {
  const text = await r.text().catch(() => "");
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === "string") return json.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200);
}

const NETWORK_FAULTS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "unknown host",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
};

/** Why `base` cannot be reached, from one request of our own (the SDK drops the cause). */
async function networkFault(base: string): Promise<string> {
  try {
    await fetch(base, { method: "HEAD", signal: AbortSignal.timeout(5000) });
    return "the API answered a plain request, but not the SDK's";
  } catch (e) {
    const code = (e as { cause?: { code?: unknown } }).cause?.code;
    return typeof code === "string" ? (NETWORK_FAULTS[code] ?? code) : errorText(e);
  }
}

function errorText(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e && typeof (e as { message: unknown }).message === "string") return (e as { message: string }).message;
  return String(e);
}
