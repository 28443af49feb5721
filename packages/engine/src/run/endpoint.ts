import type { Connector } from "../manifest/connector.js";
import type { Endpoint } from "../deliver/send-batch.js";
import { SettingsError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** `TAGWIRE_<ID>_<NAME>`: the environment variables that override a connector's wire facts. */
export function connectorVariable(connectorId: string, name: string): string {
  return `TAGWIRE_${connectorId.toUpperCase()}_${name}`;
}

/** `TAGWIRE_<ID>_URL`: replaces the connector's base URL (scheme, host, port). */
export function baseUrlVariable(connectorId: string): string {
  return connectorVariable(connectorId, "URL");
}

/** Settings with their defaults, checked: required ones present, choices respected. */
export function resolveSettings(connector: Connector, given: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: Array<{ setting: string; message: string }> = [];
  for (const s of connector.manifest.settings) {
    const value = given[s.name] !== undefined && given[s.name] !== "" ? given[s.name]! : s.default;
    if (value === undefined) {
      if (s.required !== false) problems.push({ setting: s.name, message: `setting \`${s.name}\` (${s.label}) is missing.` });
      continue;
    }
    const choices = s.choices?.map((c) => c.value);
    if (choices && !choices.includes(value)) {
      const shown = s.sensitive === false ? `\`${value}\`` : "not a valid choice";
      problems.push({ setting: s.name, message: `setting \`${s.name}\` is ${shown}; expected one of ${choices.join(", ")}.` });
      continue;
    }
    out[s.name] = value;
  }
  if (problems.length > 0) throw new SettingsError({ problems });
  return out;
}

/** The request URL and headers for a connector, with the environment's base URL override applied. */
export function resolveEndpoint(connector: Connector, settings: Readonly<Record<string, string>>, options: Readonly<Record<string, string>>, env: Env): Endpoint {
  const wire = connector.manifest.wire;
  const variable = baseUrlVariable(connector.id);
  let base = env[variable];
  if (base !== undefined && base !== "") {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(base)) {
      throw new SettingsError({ problems: [{ setting: variable, message: `${variable} must be a base URL such as http://127.0.0.1:9001 (scheme, host and port only).` }] });
    }
  } else {
    base = manifestBaseUrl(connector, settings, options);
  }
  const authorization = authorizationHeader(connector, settings);
  return {
    url: `${base.replace(/\/$/, "")}${wire.path}`,
    headers: {
      "content-type": "application/json",
      ...(authorization !== undefined ? { authorization } : {}),
      "user-agent": "tagwire/0.1",
    },
    bodyFields: requestBodyFields(connector, settings),
  };
}

/** The base URL the manifest gives for these settings and options (a pod, a region), without the environment's override. */
export function manifestBaseUrl(connector: Connector, settings: Readonly<Record<string, string | undefined>>, options: Readonly<Record<string, string | undefined>>): string {
  const baseUrl = connector.manifest.wire.baseUrl;
  const by = baseUrl.by;
  const key = by?.setting !== undefined ? settings[by.setting] : by?.option !== undefined ? options[by.option] : undefined;
  return (key !== undefined ? baseUrl.values?.[key] : undefined) ?? baseUrl.default;
}

/** The `Authorization` header of the connector's auth scheme; none when the key travels in the body. */
function authorizationHeader(connector: Connector, settings: Readonly<Record<string, string | undefined>>): string | undefined {
  const auth = connector.manifest.wire.auth;
  const valueOf = (setting: string | undefined) => (setting !== undefined ? (settings[setting] ?? "") : "");
  switch (auth.scheme) {
    case "basic":
      return `Basic ${Buffer.from(`${valueOf(auth.username)}:${valueOf(auth.password)}`).toString("base64")}`;
    case "bearer":
      return `Bearer ${valueOf(auth.token)}`;
    case "body":
      return undefined;
  }
}

/**
 * Fields every request body carries besides the records: the key of a `body` auth scheme. They
 * hold secrets, so request bodies are never logged.
 */
export function requestBodyFields(connector: Connector, settings: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string>> {
  const auth = connector.manifest.wire.auth;
  if (auth.scheme !== "body" || auth.field === undefined) return {};
  return { [auth.field]: (auth.token !== undefined ? settings[auth.token] : undefined) ?? "" };
}
