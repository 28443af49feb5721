import { hiddenFieldsOf } from "@tagwire/engine";

/** The parts of a Looker execute request tagwire uses. */
export interface ExecuteRequest {
  /** Admin params (`data`): credentials; never logged. */
  readonly settings: Record<string, string>;
  readonly formParams: Record<string, string>;
  /** The inline result's (`attachment.data`) bytes, as they arrive. */
  readonly inline?: AsyncIterable<Uint8Array>;
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
 * Checks the shape of an execute body (its members as `readExecuteBody` gives them, with the inline
 * Look's bytes apart); the messages name the offending key.
 */
export function parseExecuteRequest(body: Record<string, unknown>, look?: AsyncIterable<Uint8Array>): ExecuteRequest {
  const plan = isObject(body["scheduled_plan"]) ? body["scheduled_plan"] : {};
  const attachment = isObject(body["attachment"]) ? body["attachment"] : undefined;
  const data = attachment?.["data"];
  const inline = look ?? (data === null ? undefined : data);
  const downloadUrl = plan["download_url"];
  if (downloadUrl !== undefined && downloadUrl !== null && typeof downloadUrl !== "string") throw new BadRequest("`scheduled_plan.download_url` must be a string.");
  if ((inline === undefined || inline === null) && (typeof downloadUrl !== "string" || downloadUrl === "")) {
    throw new BadRequest("The request carries no Look: expected `attachment.data` (inline) or `scheduled_plan.download_url` (streamed).");
  }
  if (inline !== undefined && inline !== null && look === undefined) throw new BadRequest("`attachment.data` must be JSON text or a JSON object.");
  const id = plan["scheduled_plan_id"];
  return {
    settings: strings(body["data"], "data"),
    formParams: strings(body["form_params"], "form_params"),
    ...(look !== undefined ? { inline: look } : {}),
    ...(typeof downloadUrl === "string" && downloadUrl !== "" ? { downloadUrl } : {}),
    hiddenFields: hiddenFieldsOf(plan["query"]),
    ...(id !== undefined && id !== null ? { scheduledPlanId: String(id) } : {}),
    ...(typeof plan["title"] === "string" ? { title: plan["title"] } : {}),
  };
}
