// The `--fault` and `--credential` syntax, shared by `tagwire-emulators` and `tagwire emulators`.
import type { FaultConfig } from "./faults.js";

/** A malformed `--fault` or `--credential` argument; the message names it. */
export class ArgumentError extends Error {}

/** Reads the value parts of a `--fault`; `what` names the argument for messages. */
export interface FaultValueReaders {
  /** A status code: the kind of `id:503=rate`, the value of `id:fail-all=503`. */
  status(text: string, what: string): number;
  /** The value of `id:503=rate` and `id:drop=rate`. */
  rate(text: string, what: string): number;
  /** The value of `id:retry-after=seconds` (other than `none`). */
  seconds(text: string, what: string): number;
  /** The value of `id:latency=ms`. */
  milliseconds(text: string, what: string): number;
}

/** `--fault mparticle:503=0.3`, `segment:drop=0.1`, `mparticle:fail-all=503`, `segment:retry-after=none`, `segment:latency=20`. */
export function applyFault(spec: string, faults: Record<string, FaultConfig>, read: FaultValueReaders): void {
  const match = /^([^:=]+):([^=]+)=(.+)$/.exec(spec);
  if (!match) throw new ArgumentError(`--fault "${spec}" must look like connector:kind=value, e.g. mparticle:503=0.3`);
  const [, id, kind, value] = match as unknown as [string, string, string, string];
  const config = (faults[id] ??= {});
  const what = `--fault ${spec}`;
  if (/^\d{3}$/.test(kind)) {
    config.statusRates = { ...config.statusRates, [read.status(kind, what)]: read.rate(value, what) };
  } else if (kind === "drop") {
    config.dropRate = read.rate(value, what);
  } else if (kind === "fail-all") {
    config.failAll = read.status(value, what);
  } else if (kind === "retry-after") {
    config.retryAfterSeconds = value === "none" ? null : read.seconds(value, what);
  } else if (kind === "latency") {
    config.latencyMs = read.milliseconds(value, what);
  } else {
    throw new ArgumentError(`${what}: unknown kind "${kind}" (a status such as 503, drop, fail-all, retry-after, latency)`);
  }
}

/** `--credential segment:segment_write_key=k1`: the value a connector setting must have. */
export function applyCredential(spec: string, credentials: Record<string, Record<string, string>>): void {
  const match = /^([^:=]+):([^=]+)=(.*)$/.exec(spec);
  if (!match) throw new ArgumentError(`--credential "${spec}" must look like connector:setting=value`);
  (credentials[match[1]!] ??= {})[match[2]!] = match[3]!;
}
