import type { Action, Connector } from "@tagwire/engine";
import { resolveOptions, providersOf, holds } from "@tagwire/engine";

/** One entry of the Looker Action API list (`POST /`). */
export interface IntegrationDefinition {
  name: string;
  label: string;
  description: string;
  icon_data_uri?: string;
  url: string;
  form_url: string;
  supported_action_types: string[];
  supported_formats: string[];
  supported_formattings: string[];
  supported_visualization_formattings: string[];
  supported_download_settings: string[];
  params: Array<{ name: string; label: string; description: string; required: boolean; sensitive: boolean }>;
  required_fields: Array<{ any_tag: string[] }>;
  uses_oauth: boolean;
}

export interface ActionRef {
  readonly connector: Connector;
  readonly action: Action;
}

/** Every Looker action every manifest declares, by name. */
export function actionIndex(connectors: ReadonlyArray<Connector>): Map<string, ActionRef> {
  const index = new Map<string, ActionRef>();
  for (const connector of connectors) for (const action of connector.manifest.actions) index.set(action.name, { connector, action });
  return index;
}

/** The option values an action runs with before its form is filled: defaults and fixed values. */
export function actionDefaults(ref: ActionRef): Record<string, string> {
  return resolveOptions(ref.connector.manifest, ref.action, {}).values;
}

/**
 * Looker shows an action only for queries with the required tags: one `any_tag` entry per manifest
 * requirement that holds for this action, listing the tags that can meet it.
 */
export function requiredFields(ref: ActionRef): Array<{ any_tag: string[] }> {
  const m = ref.connector.manifest;
  const options = actionDefaults(ref);
  const out: Array<{ any_tag: string[] }> = [];
  for (const r of m.requirements) {
    if (!holds(r.when, options)) continue;
    const paths = [...(r.anyOf ?? []), ...(r.allOf ?? [])];
    const tags = [...new Set(paths.flatMap((p) => providersOf(m, options, p).tags))];
    if (tags.length > 0) out.push({ any_tag: tags });
  }
  return out;
}

export function integrationList(connectors: ReadonlyArray<Connector>, baseUrl: string): { label: string; integrations: IntegrationDefinition[] } {
  const integrations = [...actionIndex(connectors).values()].map((ref) => {
    const { connector, action } = ref;
    return {
      name: action.name,
      label: action.label,
      description: action.description,
      ...(connector.iconDataUri !== undefined ? { icon_data_uri: connector.iconDataUri } : {}),
      url: `${baseUrl}/actions/${action.name}/execute`,
      form_url: `${baseUrl}/actions/${action.name}/form`,
      supported_action_types: ["query"],
      supported_formats: ["json_detail_lite_stream", "json_detail"],
      supported_formattings: ["unformatted"],
      supported_visualization_formattings: ["noapply"],
      supported_download_settings: ["url"],
      params: connector.manifest.settings.map((s) => ({
        name: s.name,
        label: s.label,
        description: s.description,
        required: s.required !== false,
        sensitive: s.sensitive !== false,
      })),
      required_fields: requiredFields(ref),
      uses_oauth: false,
    };
  });
  return { label: "tagwire", integrations };
}
