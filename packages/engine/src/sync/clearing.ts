// Clearing records: what the connector declares (`syncs[].clear`) turned into the record that
// tells the destination a subject left the Look. A confirmed record keeps its identity part
// sealed (see seal.ts); a removed row's clearing record is built from it alone.

import type { Clearing } from "../generated/manifest.js";
import { compilePath, getAt, isPresent, setAt, type CompiledPath, type Record_ } from "../transform/path.js";

/** What the records of a mode with a clear need, as plain data (it crosses to worker threads). */
export interface ClearSetup {
  readonly clear: Clearing;
  /** Top-level keys the manifest's fills write: with `attributes: ""`, not attributes. */
  readonly fillKeys: ReadonlyArray<string>;
  /** Derived from the destination's sensitive settings (see seal.ts). */
  readonly sealKey: Uint8Array;
}

/** What a clearing record needs of a record: its address values by path, and the attribute names it set. */
interface Identity {
  readonly a: ReadonlyArray<readonly [string, unknown]>;
  readonly n: ReadonlyArray<string>;
}

/** Takes the identity part of records, with the declaration's paths compiled once. */
export class IdentityPart {
  private readonly address: ReadonlyArray<readonly [string, CompiledPath]>;
  private readonly attributes: CompiledPath | undefined;
  /** Attribute names a clear leaves alone; with `attributes: ""`, also the record's keys that are not attributes. */
  private readonly keep: ReadonlySet<string>;

  constructor(setup: ClearSetup) {
    const { clear } = setup;
    this.address = clear.address.map((p) => [p, compilePath(p)] as const);
    this.attributes = clear.attributes === "" ? undefined : compilePath(clear.attributes);
    const keep = new Set(clear.keep ?? []);
    if (clear.attributes === "") {
      // The record's own keys are its attributes, less what addresses it and what fills and `set` write.
      for (const path of clear.address) keep.add(path.split(".")[0]!.replace("[]", ""));
      for (const key of setup.fillKeys) keep.add(key);
      for (const path of Object.keys(clear.set ?? {})) keep.add(path.split(".")[0]!);
    }
    this.keep = keep;
  }

  /** The record's identity part, as the text that is sealed. */
  of(record: Record_): string {
    const address: Array<[string, unknown]> = [];
    for (const [text, path] of this.address) {
      const value = getAt(record, path);
      if (isPresent(value)) address.push([text, value]);
    }
    const identity: Identity = { a: address, n: this.names(record) };
    return JSON.stringify(identity);
  }

  private names(record: Record_): string[] {
    const object = this.attributes === undefined ? record : getAt(record, this.attributes);
    return object !== null && typeof object === "object" && !Array.isArray(object) ? Object.keys(object).filter((k) => !this.keep.has(k)) : [];
  }
}

/** The clearing record of a subject from its identity text, before the manifest's fills. Undefined when the text is not an identity. */
export function clearingRecord(text: string, clear: Clearing): Record_ | undefined {
  let identity: Identity;
  try {
    identity = JSON.parse(text) as Identity;
  } catch {
    return undefined;
  }
  if (!Array.isArray(identity.a) || !Array.isArray(identity.n)) return undefined;
  const record: Record_ = {};
  for (const [path, value] of identity.a) setAt(record, compilePath(path), value);
  const as = clear.as;
  switch (as.kind) {
    case "null":
      for (const name of identity.n) setAt(record, compilePath(clear.attributes, name), null);
      break;
    case "names":
      setAt(record, compilePath(as.target), [...identity.n]);
      break;
    case "operation": {
      const operation: Record_ = {};
      for (const name of identity.n) operation[name] = as.value;
      setAt(record, compilePath(as.target), operation);
      break;
    }
  }
  for (const [path, value] of Object.entries(clear.set ?? {})) setAt(record, compilePath(path), value);
  return record;
}
