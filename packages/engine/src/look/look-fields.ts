// Checks the parsed `fields` member and gives it the shape the engine relies on.

import { LookFormatError } from "./look-format-error.js";
import type { LookField, LookFields } from "./types.js";

const FIELD_LISTS = ["measures", "dimensions", "table_calculations", "pivots"] as const;

export function toLookFields(raw: unknown): LookFields {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new LookFormatError(`Look JSON "fields" member must be an object, found ${describeJson(raw)}`);
  }
  const source = raw as Record<string, unknown>;
  const fields: LookFields = { measures: [], dimensions: [], table_calculations: [], pivots: [] };
  for (const list of FIELD_LISTS) {
    const entries = source[list];
    // Missing or null lists are tolerated: the lite stream format is not fully specified.
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) {
      throw new LookFormatError(`Look JSON "fields.${list}" must be an array, found ${describeJson(entries)}`);
    }
    fields[list] = entries.map((entry, index) => toLookField(entry, `fields.${list}[${index}]`));
  }
  return fields;
}

function toLookField(entry: unknown, where: string): LookField {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new LookFormatError(`Look JSON "${where}" must be a field object, found ${describeJson(entry)}`);
  }
  const field = entry as Record<string, unknown>;
  if (typeof field.name !== "string" || field.name === "") {
    throw new LookFormatError(`Look JSON "${where}" has no "name" string`);
  }
  if (field.tags === null) {
    const { tags: _null, ...rest } = field;
    return rest as LookField;
  }
  if (field.tags !== undefined && (!Array.isArray(field.tags) || !field.tags.every((t) => typeof t === "string"))) {
    throw new LookFormatError(`Look JSON "${where}.tags" (field ${field.name}) must be an array of strings`);
  }
  return field as LookField;
}

function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}
