import { holds } from "@tagwire/engine";
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

/** The action's form: the options its manifest action asks for, in order. */
export function formFor(ref: ActionRef): FormField[] {
  const m = ref.connector.manifest;
  const defaults = actionDefaults(ref);
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
