import type { Connector } from "../manifest/connector.js";
import type { Endpoint } from "../deliver/send-batch.js";
import { answerRules } from "../deliver/answers.js";
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
  const authorization = authorizationHeader(connector, settings);
  return {
    url: `${base.replace(/\/$/, "")}${wire.path}`,
    headers: {
      "content-type": "application/json",
      ...(authorization !== undefined ? { authorization } : {}),
      "user-agent": "tagwire/0.1",
    },
    bodyFields: requestBodyFields(connector, settings),
    answers: answerRules(wire),
    credentialSettings: credentialSettings(connector),
  };
}

/** The settings the auth scheme takes its credentials from. */
function credentialSettings(connector: Connector): string[] {
  const { username, password, token } = connector.manifest.wire.auth;
  return [username, password, token].filter((s): s is string => s !== undefined);
}

// What Node's HTTP client refuses in a header value (its checkInvalidHeaderChar): it would throw
// on every attempt, which reads as a network error retried to the limit.
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;
// Basic credentials travel base64-encoded, so any character gets through; a control character
// (a pasted line break, a NUL) is still never part of a real key.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Settings that go into a request header must be sendable there: refused before anything is
 * sent, naming the setting and never its value.
 */
function checkHeaderSafe(connector: Connector, settings: Readonly<Record<string, string>>): void {
  const auth = connector.manifest.wire.auth;
  const inHeader = auth.scheme === "bearer" ? [auth.token] : auth.scheme === "basic" ? [auth.username, auth.password] : [];
  const refuses = auth.scheme === "bearer" ? NOT_IN_HEADER : CONTROL;
  const problems = inHeader
    .filter((name): name is string => name !== undefined && refuses.test(settings[name] ?? ""))
    .map((name) => {
      const label = connector.manifest.settings.find((s) => s.name === name)?.label;
      return {
        setting: name,
        message: `setting \`${name}\`${label ? ` (${label})` : ""} holds a character that cannot be sent in an HTTP header (a line break, NUL or other control character${auth.scheme === "bearer" ? ", or a character beyond Latin-1" : ""}); enter the value again without it.`,
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
