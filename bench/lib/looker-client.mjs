// Plays Looker's part of an execute: POST /actions/<name>/execute with a `download_url` or an inline
// Look, then wait for the whole response (the server answers 200 at once, writes keep-alive newlines while
// it works, and ends with the Looker response JSON).

import { createReadStream } from "node:fs";
import { request } from "node:http";

/**
 * @typedef {object} ExecuteResult
 * @property {number} status       HTTP status of the execute
 * @property {number} wallMs       from sending the request to the end of the response
 * @property {number} headersMs    from sending to the response headers
 * @property {{ success: boolean, message: string, refresh_query?: boolean, validation_errors?: Record<string, string> }} looker
 */

/**
 * @param {{
 *   serverUrl: string, secret: string, action: string, settings: Record<string, string>,
 *   formParams: Record<string, string>, downloadUrl: string, webhookId: string, title: string,
 *   timeoutMs: number, instance?: string,
 * }} o  `instance`: Looker's `X-Looker-Instance`, which with the plan id names a sync
 * @returns {Promise<ExecuteResult>}
 */
export function postExecute(o) {
  const body = JSON.stringify({
    type: "query",
    data: o.settings,
    form_params: o.formParams,
    scheduled_plan: { scheduled_plan_id: 1, title: o.title, type: "Look", download_url: o.downloadUrl },
  });
  return send(o, Buffer.byteLength(body), (req) => req.end(body));
}

/**
 * An execute whose Look comes inline: the body (settings first, then `attachment.data`) is streamed
 * from a file, so the caller never holds it.
 * @param {{ serverUrl: string, secret: string, action: string, bodyPath: string, bodyBytes: number, webhookId: string, timeoutMs: number }} o
 * @returns {Promise<ExecuteResult>}
 */
export function postInlineExecute(o) {
  return send(o, o.bodyBytes, (req) => {
    const file = createReadStream(o.bodyPath, { highWaterMark: 64 * 1024 });
    file.on("error", (e) => req.destroy(e));
    file.pipe(req);
  });
}

/**
 * The execute body as Looker sends it with an inline Look: settings, form and plan first, then the
 * Look as JSON text in `attachment.data`.
 * @param {{ settings: Record<string, string>, formParams: Record<string, string>, title: string }} o
 * @returns {{ head: string, tail: string }}  the body is `head + <the Look's JSON text, escaped as a string> + tail`
 */
export function inlineBodyParts(o) {
  const head = JSON.stringify({ type: "query", data: o.settings, form_params: o.formParams, scheduled_plan: { scheduled_plan_id: 1, title: o.title, type: "Look" } });
  return { head: `${head.slice(0, -1)},"attachment":{"mimetype":"application/json;charset=utf-8","extension":"json","data":"`, tail: '"}}' };
}

/**
 * @param {{ serverUrl: string, secret: string, action: string, webhookId: string, timeoutMs: number, instance?: string }} o
 * @param {number} length  Content-Length
 * @param {(req: import("node:http").ClientRequest) => void} write  sends the body and ends the request
 * @returns {Promise<ExecuteResult>}
 */
function send(o, length, write) {
  const url = new URL(`/actions/${encodeURIComponent(o.action)}/execute`, o.serverUrl);
  if (url.hostname !== "127.0.0.1") throw new Error(`the benchmark only talks to loopback, not ${url.hostname}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let headersMs = 0;
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Token token="${o.secret}"`,
          "content-type": "application/json",
          "content-length": length,
          "x-looker-webhook-id": o.webhookId,
          ...(o.instance === undefined ? {} : { "x-looker-instance": o.instance }),
        },
      },
      (res) => {
        headersMs = performance.now() - t0;
        /** @type {Buffer[]} */
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", fail);
        res.on("end", () => {
          const wallMs = performance.now() - t0;
          clearTimeout(overall);
          const text = Buffer.concat(chunks).toString("utf8").trim();
          try {
            const parsed = JSON.parse(text);
            if (parsed?.looker === undefined) throw new Error("no `looker` key");
            resolve({ status: res.statusCode ?? 0, wallMs, headersMs, looker: parsed.looker });
          } catch (e) {
            reject(new Error(`execute answered ${res.statusCode} with an unreadable body (${/** @type {Error} */ (e).message}): ${text.slice(0, 300)}`));
          }
        });
      },
    );
    /** @param {Error} e */
    function fail(e) {
      clearTimeout(overall);
      reject(e);
    }
    const overall = setTimeout(() => req.destroy(new Error(`execute did not finish within ${Math.round(o.timeoutMs / 1000)} s`)), o.timeoutMs);
    req.on("error", fail);
    write(req);
  });
}

/**
 * @typedef {object} SummaryFigures
 * @property {number} delivered
 * @property {number} read
 * @property {number} rejected
 * @property {number} failed
 * @property {number | null} requests
 */

/**
 * Reads the figures out of the engine's summary sentence (`summarize`), e.g.
 * "mParticle: 9,990 of 10,000 rows delivered; 10 rejected (...); 100 requests, 0 retries, 1.2 s."
 * @param {string} message
 * @returns {SummaryFigures | null}  null when the sentence does not have that shape
 */
export function parseSummary(message) {
  const num = (/** @type {string | undefined} */ s) => (s === undefined ? 0 : Number(s.replace(/,/g, "")));
  const head = /([\d,]+) of ([\d,]+) rows (?:would be )?delivered/.exec(message);
  if (head === null) return null;
  const rejected = /; ([\d,]+) rejected \(/.exec(message);
  const failed = /; ([\d,]+) failed after retries/.exec(message);
  const requests = /([\d,]+) requests, [\d,]+ retries/.exec(message);
  return {
    delivered: num(head[1]),
    read: num(head[2]),
    rejected: num(rejected?.[1]),
    failed: num(failed?.[1]),
    requests: requests === null ? null : num(requests[1]),
  };
}
