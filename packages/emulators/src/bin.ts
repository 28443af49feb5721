#!/usr/bin/env node
import { parseArgs } from "node:util";
import { describeAuth } from "@tagwire/engine";
import { FaultConfigError, checkFaultConfig, type FaultConfig } from "./faults.js";
import { applyCredential, applyFault, EmulatorConfigError, listConnectorIds, startEmulators, type FaultValueReaders } from "./index.js";

const USAGE = `usage: tagwire-emulators [--port 9001] [--host 127.0.0.1] [--connector id ...]
                         [--no-validate] [--no-keep-records] [--latency ms] [--seed n]
                         [--fault id:<status>=rate | id:drop=rate | id:fail-all=status
                                  | id:retry-after=seconds|none | id:latency=ms ...]
                         [--credential id:setting=value ...]`;

class UsageError extends Error {}

const integer = (text: string, what: string, min: number, max: number): number => {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${what} must be an integer, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${value}`);
  return value;
};

const probability = (text: string, what: string): number => {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${what} must be a probability between 0 and 1, got "${text}"`);
  }
  return value;
};

/** Every fault value range-checked here, so a bad one is reported as the argument it came from. */
const checkedValues: FaultValueReaders = {
  status: (text, what) => integer(text, what, 400, 599),
  rate: probability,
  seconds: (text, what) => integer(text, what, 0, 86_400),
  milliseconds: (text, what) => integer(text, what, 0, 600_000),
};

function parseCommandLine(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string", default: "9001" },
      host: { type: "string", default: "127.0.0.1" },
      connector: { type: "string", multiple: true },
      "no-validate": { type: "boolean", default: false },
      "no-keep-records": { type: "boolean", default: false },
      fault: { type: "string", multiple: true },
      latency: { type: "string" },
      seed: { type: "string" },
      credential: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const faults: Record<string, FaultConfig> = {};
  for (const spec of values.fault ?? []) applyFault(spec, faults, checkedValues);
  const connectors = values.connector ?? [];
  // --latency and --seed apply to every emulated connector unless a --fault set its own.
  const latency = values.latency === undefined ? undefined : integer(values.latency, "--latency", 0, 600_000);
  const seed = values.seed === undefined ? undefined : integer(values.seed, "--seed", -(2 ** 31), 2 ** 32 - 1);
  const credentials: Record<string, Record<string, string>> = {};
  for (const spec of values.credential ?? []) applyCredential(spec, credentials);
  return {
    help: values.help,
    port: integer(values.port, "--port", 0, 65_535),
    host: values.host,
    connectors,
    validate: !values["no-validate"],
    keepRecords: !values["no-keep-records"],
    faults,
    latency,
    seed,
    credentials,
  };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`tagwire-emulators: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  let emulators;
  try {
    const ids = args.connectors.length > 0 ? args.connectors : undefined;
    const faults: Record<string, FaultConfig> = {};
    const everyId = ids ?? listConnectorIds();
    for (const id of everyId) {
      const config: FaultConfig = { ...args.faults[id] };
      if (args.latency !== undefined) config.latencyMs ??= args.latency;
      if (args.seed !== undefined) config.seed ??= args.seed;
      if (Object.keys(config).length > 0) faults[id] = checkFaultConfig(config, `--fault ${id}`);
    }
    for (const id of Object.keys(args.faults)) {
      if (!everyId.includes(id)) throw new EmulatorConfigError(`--fault names connector "${id}", which is not emulated`);
    }
    emulators = await startEmulators({
      port: args.port,
      host: args.host,
      ...(ids ? { connectors: ids } : {}),
      validate: args.validate,
      keepRecords: args.keepRecords,
      faults,
      credentials: args.credentials,
    });
  } catch (error) {
    const usage = error instanceof EmulatorConfigError || error instanceof FaultConfigError;
    process.stderr.write(`tagwire-emulators: ${(error as Error).message}\n`);
    process.exit(usage ? 2 : 1);
  }

  const width = Math.max(...emulators.connectors.map((id) => id.length));
  for (const id of emulators.connectors) {
    const { settings, passwordEmpty } = emulators.credentials(id);
    const shown = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
    if (passwordEmpty) shown.push("(empty password)");
    const how = describeAuth(emulators.auth(id));
    process.stdout.write(`${id.padEnd(width)}  ${emulators.url}  (TAGWIRE_${id.toUpperCase()}_URL)\n`);
    process.stdout.write(`${" ".repeat(width)}  ${how}: ${shown.join(" ")}\n`);
  }
  process.stdout.write(
    `inspect: ${emulators.url}/_emulator/state  ${emulators.url}/_emulator/<id>/records  (validation ${args.validate ? "on" : "off"})\n`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulators.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
