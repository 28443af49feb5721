import { declaresSyncs, holds, SYNC_OPTIONS } from "@tagwire/engine";
import { actionDefaults, type ActionRef } from "./integrations.js";

export interface FormField {
  name: string;
  label: string;
  description: string;
  type: "select" | "text";
  required: boolean;
  default?: string;
  options?: Array<{ name: string; label: string }>;
}

/** The action's form: the options its manifest action asks for, in order, then a sync's choices when its connector keeps syncs. */
export function formFor(ref: ActionRef): FormField[] {
  const m = ref.connector.manifest;
  const defaults = actionDefaults(ref);
  const sync: FormField[] = declaresSyncs(m)
    ? SYNC_OPTIONS.map((o) => ({ name: o.name, label: o.label, description: o.description, type: "select", required: false, default: o.default, options: o.choices.map((c) => ({ name: c.value, label: c.label })) }))
    : [];
  return [...optionFields(ref, defaults), ...sync];
}

function optionFields(ref: ActionRef, defaults: ReturnType<typeof actionDefaults>): FormField[] {
  const m = ref.connector.manifest;
  return ref.action.form.map((name) => {
    const o = m.options.find((x) => x.name === name)!;
    return {
      name: o.name,
      label: o.label,
      description: o.description,
      type: o.type === "select" ? "select" : "text",
      required: o.required === true || (o.requiredWhen !== undefined && holds(o.requiredWhen, defaults)),
      ...(o.default !== undefined ? { default: o.default } : {}),
      ...(o.choices !== undefined ? { options: o.choices.map((c) => ({ name: c.value, label: c.label })) } : {}),
    };
  });
}
