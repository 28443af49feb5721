import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { connectorsDir, loadConnectorFile, type Connector, type Wire } from "@tagwire/engine";
import { emulatorFileReader, type EmulatorFacts } from "./emulator-file.js";

/** The `wire` section of a connector manifest (schemas/connector-manifest.schema.json#/definitions/Wire). */
export type WireSection = Wire;

/**
 * What an emulator needs to know about one connector: the engine's loaded connector, seen from the
 * wire, and the facts beside its manifest that only the emulator reads.
 */
export interface WireProfile {
  id: string;
  label: string;
  manifestPath: string;
  wire: Wire;
  /** The connector folder's emulator.json, defaults applied. */
  emulation: EmulatorFacts;
  /** The connector as the engine loaded and validated it. */
  connector: Connector;
  /** Whether one record conforms to `wire.recordSchema` (`connector.validateRecord` says why not). */
  validate(record: unknown): boolean;
}

/** The folder holding `<id>/manifest.json` for every connector of this repository. */
export const defaultConnectorsDir = connectorsDir;

/** Ids of the connectors in `dir`: every sub-folder with a manifest.json, sorted. */
export function listConnectorIds(dir: string = defaultConnectorsDir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "manifest.json")))
    .map((entry) => entry.name)
    .sort();
}

/** The wire view of a connector the engine loaded, with the emulator facts beside its manifest. */
export function wireProfileOf(connector: Connector, emulation: EmulatorFacts): WireProfile {
  return {
    id: connector.id,
    label: connector.manifest.label,
    manifestPath: connector.file,
    wire: connector.manifest.wire,
    emulation,
    connector,
    validate: (record) => connector.validateRecord(record) === undefined,
  };
}

/**
 * Loads a connector manifest with the engine (the whole manifest is validated, its wire schema
 * compiled once) and the emulator file beside it. Throws the engine's ManifestError for a manifest
 * that cannot be used, EmulatorFileError for an emulator file that breaks its schema. Give one
 * `readEmulatorFile` to many calls to compile its schema once.
 */
export function loadWireProfile(manifestPath: string, readEmulatorFile = emulatorFileReader()): WireProfile {
  return wireProfileOf(loadConnectorFile(manifestPath), readEmulatorFile(dirname(manifestPath)));
}
