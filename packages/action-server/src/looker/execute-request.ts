import { quoteUnsafeIntegers } from "@tagwire/engine";

/** The parts of a Looker execute request tagwire uses. */
export interface ExecuteRequest {
  /** Admin params (`data`): credentials; never logged. */
  readonly settings: Record<string, string>;
  readonly formParams: Record<string, string>;
  /** Inline result (`attachment.data`): JSON text, or already-parsed JSON. */
  readonly inline?: string | object;
  readonly downloadUrl?: string;
  readonly hiddenFields: string[];
  readonly scheduledPlanId?: string;
  readonly title?: string;
}

export class BadRequest extends Error {
  override name = "BadRequest";
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function strings(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new BadRequest(`\`${what}\` must be an object of strings.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new BadRequest(`\`${what}.${k.slice(0, 100)}\` must be a string.`);
    // An own property whatever the name: a `__proto__` form field is reported as an unknown option, not dropped.
    Object.defineProperty(out, k, { value: String(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The execute body's text for JSON.parse, with integers beyond 2^53 - 1 as strings of their
 * digits: an inline `attachment.data` object would otherwise reach the Look reader rounded (two
 * customer ids merged into one). The bytes are scanned before they are decoded, so the body is
 * decoded once and copied only when it holds such an integer; the copy replaces it.
 */
export function executeBodyText(raw: Buffer): string {
  const bytes = quoteUnsafeIntegers(raw);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** Checks the shape of an execute body; the messages name the offending key. */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
  if (!isObject(body)) throw new BadRequest("The execute request body must be a JSON object.");
  const plan = isObject(body["scheduled_plan"]) ? body["scheduled_plan"] : {};
  const attachment = isObject(body["attachment"]) ? body["attachment"] : undefined;
  const inline = attachment?.["data"];
  const downloadUrl = plan["download_url"];
  if (downloadUrl !== undefined && downloadUrl !== null && typeof downloadUrl !== "string") throw new BadRequest("`scheduled_plan.download_url` must be a string.");
  if ((inline === undefined || inline === null) && (typeof downloadUrl !== "string" || downloadUrl === "")) {
    throw new BadRequest("The request carries no Look: expected `attachment.data` (inline) or `scheduled_plan.download_url` (streamed).");
  }
  if (inline !== undefined && inline !== null && typeof inline !== "string" && !isObject(inline)) throw new BadRequest("`attachment.data` must be JSON text or a JSON object.");
  const query = isObject(plan["query"]) ? plan["query"] : {};
  const vis = isObject(query["vis_config"]) ? query["vis_config"] : {};
  const hidden = Array.isArray(vis["hidden_fields"]) ? vis["hidden_fields"].filter((f): f is string => typeof f === "string") : [];
  const id = plan["scheduled_plan_id"];
  return {
    settings: strings(body["data"], "data"),
    formParams: strings(body["form_params"], "form_params"),
    ...(inline !== undefined && inline !== null ? { inline: inline as string | object } : {}),
    ...(typeof downloadUrl === "string" && downloadUrl !== "" ? { downloadUrl } : {}),
    hiddenFields: hidden,
    ...(id !== undefined && id !== null ? { scheduledPlanId: String(id) } : {}),
    ...(typeof plan["title"] === "string" ? { title: plan["title"] } : {}),
  };
}
