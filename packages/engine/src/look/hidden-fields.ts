/**
 * The fields a Look's visualization hides (`query.vis_config.hidden_fields`), as Looker gives the query
 * in a scheduled plan and from `GET /looks/<id>`: they are kept out of every delivery. Anything that is
 * not a list of names counts as none hidden.
 */
export function hiddenFieldsOf(query: unknown): string[] {
  const vis = isObject(query) ? query["vis_config"] : undefined;
  const hidden = isObject(vis) ? vis["hidden_fields"] : undefined;
  return Array.isArray(hidden) ? hidden.filter((f): f is string => typeof f === "string") : [];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
