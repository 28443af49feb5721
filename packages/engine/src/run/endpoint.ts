import type { Connector } from "../manifest/connector.js";
import type { Endpoint } from "../deliver/send-batch.js";
import { answerRules } from "../deliver/answers.js";
import { credentialWireValues, headerProblems, requestCredentials } from "../deliver/credentials.js";
import { authSettings } from "../manifest/auth-parts.js";
import { SettingsError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** `TAGWIRE_<ID>_<NAME>`: the environment variables that override a connector's wire facts. */
export function connectorVariable(connectorId: string, name: string): string {
  return `TAGWIRE_${upperSnake(connectorId)}_${name}`;
}

/** The environment variable a connector setting is read from: `TAGWIRE_<ID>_<SETTING>`, e.g. TAGWIRE_ACME_API_KEY. */
export function settingVariable(connectorId: string, setting: string): string {
  return connectorVariable(connectorId, upperSnake(setting));
}

/** `apiKey` -> `API_KEY`, `write_key` -> `WRITE_KEY`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

/** `TAGWIRE_<ID>_URL`: replaces the connector's base URL (scheme, host, port). */
export function baseUrlVariable(connectorId: string): string {
  return connectorVariable(connectorId, "URL");
}

/** `TAGWIRE_<ID>_RATE_LIMIT`: replaces the connector's declared `wire.rateLimit` (`"off"` turns pacing off). */
export function rateLimitVariable(connectorId: string): string {
  return connectorVariable(connectorId, "RATE_LIMIT");
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
      // The value is never quoted: a credential typed into the wrong setting would come back in the message.
      problems.push({ setting: s.name, message: `setting \`${s.name}\` is not one of its choices: ${choices.join(", ")}.` });
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
  checkHeaderSafe(connector, settings);
  const credentials = requestCredentials(wire.auth, settings);
  return {
    url: `${base.replace(/\/$/, "")}${wire.path}`,
    headers: { "content-type": "application/json", ...credentials.headers, "user-agent": "tagwire/0.1" },
    bodyFields: credentials.bodyFields,
    answers: answerRules(wire),
    credentialSettings: authSettings(wire.auth),
    credentials: credentialWireValues(wire.auth, settings),
  };
}

/**
 * Settings that go into a request header must be sendable there: refused before anything is
 * sent, naming the setting and never its value.
 */
function checkHeaderSafe(connector: Connector, settings: Readonly<Record<string, string>>): void {
  const problems = headerProblems(connector.manifest.wire.auth, settings).map(({ setting, plain }) => {
    const label = connector.manifest.settings.find((s) => s.name === setting)?.label;
    return {
      setting,
      message: `setting \`${setting}\`${label ? ` (${label})` : ""} holds a character that cannot be sent in an HTTP header (a line break, NUL or other control character${plain ? ", or a character beyond Latin-1" : ""}); enter the value again without it.`,
    };
  });
  if (problems.length > 0) throw new SettingsError({ problems });
}

/** The base URL the manifest gives for these settings and options (a pod, a region), without the environment's override. */
export function manifestBaseUrl(connector: Connector, settings: Readonly<Record<string, string | undefined>>, options: Readonly<Record<string, string | undefined>>): string {
  const baseUrl = connector.manifest.wire.baseUrl;
  const by = baseUrl.by;
  const key = by?.setting !== undefined ? settings[by.setting] : by?.option !== undefined ? options[by.option] : undefined;
  return (key !== undefined ? baseUrl.values?.[key] : undefined) ?? baseUrl.default;
}

/**
 * Fields every request body carries besides the records: the key of a `body` auth scheme. They
 * hold secrets, so request bodies are never logged.
 */
export function requestBodyFields(connector: Connector, settings: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string>> {
  return requestCredentials(connector.manifest.wire.auth, settings).bodyFields;
}
