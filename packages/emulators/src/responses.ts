import { STATUS_CODES, type ServerResponse } from "node:http";
import type { WireProfile } from "./profile.js";

/**
 * How a connector's API words its answers, chosen from its emulator file (code names no destination):
 * - `rejects-request` APIs answer 202 with an empty body, errors as `{"errors":[{code,message}]}`,
 *   or as `{code: <status>, <errorKey>: message}` when the file names an `errorKey`;
 * - `accepted-then-dropped` APIs answer 200 `{"success":true}`, errors as `{"success":false,message,code}`.
 */
export type ResponseStyle = { readonly kind: "errors-list"; readonly errorKey?: string } | { readonly kind: "success-flag" };

export function styleOf(profile: WireProfile): ResponseStyle {
  const { invalidRecord, errorKey } = profile.emulation;
  if (invalidRecord !== "rejects-request") return { kind: "success-flag" };
  return errorKey !== undefined ? { kind: "errors-list", errorKey } : { kind: "errors-list" };
}

// Most error lists stay short; a request of 100 broken records should not answer megabytes.
const MAX_MESSAGES = 100;

const codeOf = (status: number, style: ResponseStyle): string => {
  if (style.kind === "success-flag" && status === 400) return "invalid_request";
  const words = (STATUS_CODES[status] ?? `status ${status}`).replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "");
  return style.kind === "errors-list" ? words.toUpperCase() : words.toLowerCase();
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** `lists`: the records the answer names as refused (see refusals.ts), added to the success body. */
export function sendSuccess(res: ServerResponse, style: ResponseStyle, lists?: Record<string, unknown>): void {
  if (style.kind === "errors-list") {
    if (lists !== undefined) return sendJson(res, 202, lists);
    res.writeHead(202, { "content-length": 0 });
    res.end();
  } else {
    sendJson(res, 200, { success: true, ...lists });
  }
}

export function sendError(
  res: ServerResponse,
  style: ResponseStyle,
  status: number,
  messages: readonly string[],
  headers: Record<string, string> = {},
  lists?: Record<string, unknown>,
): void {
  const shown =
    messages.length > MAX_MESSAGES
      ? [...messages.slice(0, MAX_MESSAGES - 1), `... and ${messages.length - MAX_MESSAGES + 1} more errors`]
      : messages;
  const code = codeOf(status, style);
  const body =
    style.kind === "success-flag" ? { success: false, message: shown.join("; "), code }
    : style.errorKey !== undefined ? { code: status, [style.errorKey]: shown.join("; ") }
    : { errors: shown.map((message) => ({ code, message })) };
  sendJson(res, status, lists === undefined ? body : { ...body, ...lists }, headers);
}
