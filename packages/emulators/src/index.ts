import type { AddressInfo } from "node:net";
import type { Auth } from "@tagwire/engine";
import { join } from "node:path";
import { FaultConfigError, type FaultConfig } from "./faults.js";
import { checkFaultMap, resetAll, snapshot } from "./inspection.js";
import { emulatorFileReader } from "./emulator-file.js";
import { defaultConnectorsDir, listConnectorIds, loadWireProfile } from "./profile.js";
import { createEmulatorServer, emulateConnector, type EmulatedConnector } from "./server.js";
import type { EmulatorState } from "./state.js";

export type { FaultConfig } from "./faults.js";
export { FaultConfigError } from "./faults.js";
export type { ConnectorState, EmulatorState } from "./state.js";
export type { WireProfile, WireSection } from "./profile.js";
export { EmulatorFileError, EMULATOR_FILE, type EmulatorFacts } from "./emulator-file.js";
export { loadWireProfile, wireProfileOf, listConnectorIds, defaultConnectorsDir } from "./profile.js";
export { expectedCredentials, expectedSettings, type ExpectedCredentials } from "./auth.js";
export { applyCredential, applyFault, ArgumentError, type FaultValueReaders } from "./args.js";

export interface EmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Connector ids to emulate. Default: every folder of `connectorsDir` holding a manifest.json. */
  connectors?: string[];
  /** Where `<id>/manifest.json` live. Default: the repository's `connectors/` folder. */
  connectorsDir?: string;
  /** Expected auth values by connector and setting name; unset ones are `test-<settingName>`. */
  credentials?: { [connectorId: string]: { [settingName: string]: string } };
  /** Validate every record against the connector's wire schema. Default true. */
  validate?: boolean;
  /** Keep accepted records for inspection. Default true; false keeps only counters and dedup ids. */
  keepRecords?: boolean;
  /** Faults to inject from the start, by connector id. */
  faults?: { [connectorId: string]: FaultConfig };
}

/** What a client must send to one emulated connector. */
export interface ConnectorCredentials {
  scheme: Auth["scheme"];
  /** Expected value of each setting the auth names, by setting name. */
  settings: Record<string, string>;
  /** Basic auth without a password setting (`writeKey:`). */
  passwordEmpty: boolean;
  /** The value of the credentials header to send (every scheme but `body`). */
  header?: string;
  /** That header's name, when it is not `Authorization`. */
  headerName?: string;
  /** The body field that carries the key, and its value (`body` scheme). */
  bodyField?: { name: string; value: string };
}

export interface Emulators {
  /** Base URL, e.g. `http://127.0.0.1:9001`; every connector is served under it by path. */
  url: string;
  port: number;
  /** The loaded connectors' ids, in order. */
  connectors: string[];
  state(): EmulatorState;
  /** Accepted records of one connector, in arrival order (a copy). */
  records(id: string): unknown[];
  /**
   * The credentials one connector expects: values by setting name, the ready credentials header
   * or the body field that carries the key (`body` scheme).
   */
  credentials(id: string): ConnectorCredentials;
  /** One connector's auth declaration (its manifest's `wire.auth`). */
  auth(id: string): Auth;
  /** Replaces one connector's fault configuration. */
  setFaults(id: string, config: FaultConfig): void;
  /** Clears counters, records and dedup ids; fault configurations stay, their PRNGs restart. */
  reset(): void;
  close(): Promise<void>;
}

/** Thrown when options name something that does not exist or make no sense (the CLI exits 2). */
export class EmulatorConfigError extends Error {
  override name = "EmulatorConfigError";
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const dir = options.connectorsDir ?? defaultConnectorsDir;
  const available = listConnectorIds(dir);
  const ids = options.connectors && options.connectors.length > 0 ? [...new Set(options.connectors)] : available;
  if (ids.length === 0) throw new EmulatorConfigError(`no connector manifests found in ${dir}`);
  for (const id of ids) {
    if (!available.includes(id)) {
      throw new EmulatorConfigError(`unknown connector "${id}" (available: ${available.join(", ") || "none"})`);
    }
  }
  for (const [what, byId] of [["credentials", options.credentials], ["faults", options.faults]] as const) {
    for (const id of Object.keys(byId ?? {})) {
      if (!ids.includes(id)) throw new EmulatorConfigError(`${what} given for connector "${id}", which is not emulated`);
    }
  }

  const keepRecords = options.keepRecords ?? true;
  const connectors = new Map<string, EmulatedConnector>();
  const readEmulatorFile = emulatorFileReader();
  for (const id of ids) {
    // The engine loads and fully validates the manifest (ManifestError lists its problems).
    const profile = loadWireProfile(join(dir, id, "manifest.json"), readEmulatorFile);
    if (profile.id !== id) throw new EmulatorConfigError(`connector folder ${id} holds a manifest with id "${profile.id}"`);
    connectors.set(id, emulateConnector(profile, options.credentials?.[id], undefined, keepRecords));
  }
  try {
    for (const [id, config] of checkFaultMap(options.faults ?? {}, connectors)) connectors.get(id)!.faults.set(config);
  } catch (error) {
    throw error instanceof FaultConfigError ? new EmulatorConfigError(error.message) : error;
  }

  let server;
  try {
    server = createEmulatorServer(connectors, { validate: options.validate ?? true, keepRecords });
  } catch (error) {
    // Path collisions and reserved paths are configuration problems of the manifests.
    throw new EmulatorConfigError((error as Error).message);
  }
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const connectorOf = (id: string): EmulatedConnector => {
    const connector = connectors.get(id);
    if (!connector) throw new EmulatorConfigError(`no connector "${id}" is emulated`);
    return connector;
  };

  return {
    url,
    port,
    connectors: [...ids],
    state: () => snapshot(connectors),
    records: (id) => connectorOf(id).store.list(),
    credentials: (id) => {
      const { profile, credentials } = connectorOf(id);
      const auth = profile.wire.auth;
      const header = credentials.headers[0];
      const bodyField = Object.entries(credentials.bodyFields)[0];
      return {
        scheme: auth.scheme,
        settings: { ...credentials.settings },
        passwordEmpty: auth.scheme === "basic" && auth.password === undefined,
        ...(header !== undefined ? { header: header.value } : {}),
        ...(header !== undefined && header.name.toLowerCase() !== "authorization" ? { headerName: header.name } : {}),
        ...(bodyField !== undefined ? { bodyField: { name: bodyField[0], value: bodyField[1] } } : {}),
      };
    },
    auth: (id) => connectorOf(id).profile.wire.auth,
    setFaults: (id, config) => {
      const connector = connectorOf(id);
      try {
        connector.faults.set(config);
      } catch (error) {
        throw error instanceof FaultConfigError ? new EmulatorConfigError(error.message) : error;
      }
    },
    reset: () => resetAll(connectors),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
